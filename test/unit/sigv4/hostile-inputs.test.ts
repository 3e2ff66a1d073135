// STYLE habit 8: hostile inputs at the SigV4 parser and verifier. Each row changes one thing in a correctly
// signed request and expects exactly one SigV4FailureReason; non-signature failures must happen in phase 1,
// before the body would be read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_CLOCK_SKEW_MS,
  SigV4Error,
  authenticateHeaders,
  signRequest,
  verifyPayloadSignature,
  type SigV4FailureReason,
  type SigV4Policy,
} from '../../../src/sigv4/index.js';
import { cpuMs } from '../../support/cpu-time.js';

const ACCESS_KEY_ID = 'AKIAI2SFODNN7EXAMPLE';
const SECRET = 'FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE';
const HOST = 'xks.example.com';
const REGION = 'us-east-1';
const SERVICE = 'kms-xks-proxy';
const NOW = Date.parse('2024-05-15T12:00:00Z');
const PATH = '/kms/xks/v1/keys/key-01/metadata';
const BODY = '{"requestMetadata":{"awsPrincipalArn":"arn:aws:iam::123456789012:user/Alice","kmsOperation":"DescribeKey","kmsRequestId":"4112f4d6-db54-4af4-ae30-c55a22a8dfae"}}';

const policy: SigV4Policy = {
  service: SERVICE,
  acceptsRegion: (region) => region === REGION,
  maxSkewMs: MAX_CLOCK_SKEW_MS,
  now: NOW,
  secretFor: (akid) => (akid === ACCESS_KEY_ID ? SECRET : undefined),
};

interface Req {
  method: string;
  path: string;
  query: string;
  rawHeaders: string[];
  body: Buffer;
}

interface SignOptions {
  region?: string;
  service?: string;
  accessKeyId?: string;
  secret?: string;
  now?: number;
  headers?: Record<string, string>;
  signHeaders?: string[];
}

/** A request signed as KMS signs it, plus an unsigned Content-Type header. */
function signed(o: SignOptions = {}): Req {
  const added = signRequest({
    method: 'POST',
    host: HOST,
    path: PATH,
    headers: o.headers ?? {},
    body: BODY,
    region: o.region ?? REGION,
    service: o.service ?? SERVICE,
    accessKeyId: o.accessKeyId ?? ACCESS_KEY_ID,
    secretAccessKey: o.secret ?? SECRET,
    now: o.now ?? NOW,
    signHeaders: o.signHeaders ?? [],
  });
  const rawHeaders = [
    'Host', added['host'] ?? HOST,
    'X-Amz-Date', added['x-amz-date'] ?? '',
    'Content-Type', 'application/json',
    ...Object.entries(o.headers ?? {}).flat(),
    'Authorization', added['authorization'] ?? '',
  ];
  return { method: 'POST', path: PATH, query: '', rawHeaders, body: Buffer.from(BODY) };
}

function setHeader(req: Req, name: string, value: string): Req {
  const rawHeaders = [...req.rawHeaders];
  const i = rawHeaders.findIndex((n, j) => j % 2 === 0 && n.toLowerCase() === name.toLowerCase());
  assert.ok(i >= 0, `fixture has no ${name}`);
  rawHeaders[i + 1] = value;
  return { ...req, rawHeaders };
}

function headerValue(req: Req, name: string): string {
  const i = req.rawHeaders.findIndex((n, j) => j % 2 === 0 && n.toLowerCase() === name.toLowerCase());
  return req.rawHeaders[i + 1] ?? '';
}

function removeHeader(req: Req, name: string): Req {
  const rawHeaders: string[] = [];
  for (let j = 0; j < req.rawHeaders.length; j += 2) {
    if (req.rawHeaders[j]?.toLowerCase() !== name.toLowerCase()) rawHeaders.push(req.rawHeaders[j] ?? '', req.rawHeaders[j + 1] ?? '');
  }
  return { ...req, rawHeaders };
}

function addHeader(req: Req, name: string, value: string): Req {
  return { ...req, rawHeaders: [...req.rawHeaders, name, value] };
}

/** Rewrite the Authorization header of a correctly signed request. */
function withAuth(edit: (authorization: string) => string, base: Req = signed()): Req {
  return setHeader(base, 'authorization', edit(headerValue(base, 'authorization')));
}

interface Outcome {
  readonly phase: 1 | 2;
  readonly error: SigV4Error;
}

function run(req: Req, p: SigV4Policy = policy): Outcome | undefined {
  let pending;
  try {
    pending = authenticateHeaders(req, p);
  } catch (err) {
    assert.ok(err instanceof SigV4Error, `expected SigV4Error, got ${String(err)}`);
    return { phase: 1, error: err };
  }
  try {
    verifyPayloadSignature(pending, req.body);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof SigV4Error, `expected SigV4Error, got ${String(err)}`);
    return { phase: 2, error: err };
  }
}

const signatureOf = (req: Req): string => /Signature=([0-9a-fA-F]*)/.exec(headerValue(req, 'authorization'))?.[1] ?? '';
const MIN = 60_000;

const rejected: readonly (readonly [string, () => Req, SigV4FailureReason])[] = [
  // headers
  ['headers: no Authorization', () => removeHeader(signed(), 'authorization'), 'missing-header'],
  ['headers: no X-Amz-Date', () => removeHeader(signed(), 'x-amz-date'), 'missing-header'],
  ['headers: no Host', () => removeHeader(signed(), 'host'), 'missing-header'],
  ['headers: Authorization sent twice', () => addHeader(signed(), 'authorization', headerValue(signed(), 'authorization')), 'malformed'],
  ['headers: X-Amz-Date sent twice', () => addHeader(signed(), 'X-AMZ-DATE', '20240515T120000Z'), 'malformed'],
  ['headers: Host sent twice', () => addHeader(signed(), 'host', HOST), 'malformed'],
  ['headers: rawHeaders of odd length', () => ({ ...signed(), rawHeaders: [...signed().rawHeaders, 'X-Dangling'] }), 'malformed'],
  ['headers: X-Amz-Date 20240230T120000Z (no such day)', () => setHeader(signed(), 'x-amz-date', '20240230T120000Z'), 'malformed'],
  ['headers: X-Amz-Date 20240515T240000Z (hour 24)', () => setHeader(signed(), 'x-amz-date', '20240515T240000Z'), 'malformed'],
  ['headers: X-Amz-Date in extended ISO format', () => setHeader(signed(), 'x-amz-date', '2024-05-15T12:00:00Z'), 'malformed'],
  ['headers: X-Amz-Date with milliseconds', () => setHeader(signed(), 'x-amz-date', '20240515T120000.000Z'), 'malformed'],
  ['headers: SignedHeaders names a header absent from the request',
    () => withAuth((a) => a.replace('SignedHeaders=host;x-amz-date', 'SignedHeaders=host;x-amz-content-sha256;x-amz-date')), 'missing-header'],
  // Authorization syntax
  ['authorization: empty value', () => setHeader(signed(), 'authorization', ''), 'malformed'],
  ['authorization: algorithm AWS4-HMAC-SHA512', () => withAuth((a) => a.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512')), 'malformed'],
  ['authorization: algorithm in lowercase', () => withAuth((a) => a.replace('AWS4-HMAC-SHA256', 'aws4-hmac-sha256')), 'malformed'],
  ['authorization: two spaces after the algorithm', () => withAuth((a) => a.replace('AWS4-HMAC-SHA256 ', 'AWS4-HMAC-SHA256  ')), 'malformed'],
  ['authorization: lowercase credential=', () => withAuth((a) => a.replace('Credential=', 'credential=')), 'malformed'],
  ['authorization: no Signature component', () => withAuth((a) => a.replace(/, Signature=[0-9a-f]+$/, '')), 'malformed'],
  ['authorization: Signature component twice', () => withAuth((a) => `${a}, ${a.slice(a.indexOf('Signature='))}`), 'malformed'],
  ['authorization: Credential component twice', () => withAuth((a) => `${a}, ${a.slice(a.indexOf('Credential='), a.indexOf(','))}`), 'malformed'],
  ['authorization: unknown component', () => withAuth((a) => `${a}, Extra=1`), 'malformed'],
  ['authorization: trailing comma', () => withAuth((a) => `${a},`), 'malformed'],
  ['authorization: two spaces after a comma', () => withAuth((a) => a.replace(', SignedHeaders', ',  SignedHeaders')), 'malformed'],
  ['authorization: signature of 63 hex chars', () => withAuth((a) => a.slice(0, -1)), 'malformed'],
  ['authorization: signature of 65 hex chars', () => withAuth((a) => `${a}0`), 'malformed'],
  ['authorization: signature with uppercase hex', () => withAuth((a) => a.replace(/Signature=([0-9a-f]+)$/, (_, s: string) => `Signature=${s.toUpperCase()}`)), 'malformed'],
  ['authorization: signature with a non-hex char', () => withAuth((a) => `${a.slice(0, -1)}g`), 'malformed'],
  ['authorization: credential with 4 parts', () => withAuth((a) => a.replace('/kms-xks-proxy/', '/')), 'malformed'],
  ['authorization: credential with 6 parts', () => withAuth((a) => a.replace('/aws4_request', '/aws4_request/extra')), 'malformed'],
  ['authorization: credential with an empty region', () => withAuth((a) => a.replace('/us-east-1/', '//')), 'malformed'],
  ['authorization: credential date of 7 digits', () => withAuth((a) => a.replace('/20240515/', '/2024051/')), 'malformed'],
  ['authorization: SignedHeaders without host', () => withAuth((a) => a.replace('SignedHeaders=host;x-amz-date', 'SignedHeaders=x-amz-date')), 'malformed'],
  ['authorization: SignedHeaders without x-amz-date', () => withAuth((a) => a.replace('SignedHeaders=host;x-amz-date', 'SignedHeaders=host')), 'malformed'],
  ['authorization: SignedHeaders unsorted', () => withAuth((a) => a.replace('SignedHeaders=host;x-amz-date', 'SignedHeaders=x-amz-date;host')), 'malformed'],
  ['authorization: SignedHeaders with a duplicate', () => withAuth((a) => a.replace('SignedHeaders=host;x-amz-date', 'SignedHeaders=host;host;x-amz-date')), 'malformed'],
  ['authorization: SignedHeaders in uppercase', () => withAuth((a) => a.replace('SignedHeaders=host;x-amz-date', 'SignedHeaders=Host;X-Amz-Date')), 'malformed'],
  ['authorization: SignedHeaders with an empty entry', () => withAuth((a) => a.replace('SignedHeaders=host;x-amz-date', 'SignedHeaders=host;;x-amz-date')), 'malformed'],
  ['authorization: 100 KB value', () => setHeader(signed(), 'authorization', `AWS4-HMAC-SHA256 Credential=${'A'.repeat(100_000)}`), 'malformed'],
  // scope
  ['scope: service kms instead of kms-xks-proxy', () => signed({ service: 'kms' }), 'wrong-scope'],
  ['scope: region not accepted', () => signed({ region: 'eu-west-1' }), 'wrong-scope'],
  ['scope: date one day before the X-Amz-Date day', () => withAuth((a) => a.replace('/20240515/', '/20240514/')), 'wrong-scope'],
  ['scope: terminator aws4_requesx', () => withAuth((a) => a.replace('/aws4_request,', '/aws4_requesx,')), 'wrong-scope'],
  // access key id
  ['credential: unknown access key id', () => signed({ accessKeyId: 'AKIAIOSFODNN7EXAMPLX' }), 'unknown-access-key-id'],
  // clock, spec A12: more than 5 minutes either way
  ['clock: X-Amz-Date 5 min 1 s in the future', () => signed({ now: NOW + 5 * MIN + 1000 }), 'clock-skew'],
  ['clock: X-Amz-Date 5 min 1 s in the past', () => signed({ now: NOW - 5 * MIN - 1000 }), 'clock-skew'],
  ['clock: X-Amz-Date one day in the past', () => signed({ now: NOW - 24 * 60 * MIN }), 'clock-skew'],
  // signature
  ['payload: body changed by one byte', () => { const r = signed(); r.body.writeUInt8(r.body.readUInt8(10) ^ 0x01, 10); return r; }, 'signature-mismatch'],
  ['payload: body with a trailing newline', () => { const r = signed(); return { ...r, body: Buffer.concat([r.body, Buffer.from('\n')]) }; }, 'signature-mismatch'],
  ['payload: empty body', () => ({ ...signed(), body: Buffer.alloc(0) }), 'signature-mismatch'],
  ['signature: Host value changed', () => setHeader(signed(), 'host', 'xks.example.org'), 'signature-mismatch'],
  ['signature: X-Amz-Date moved by one second', () => setHeader(signed(), 'x-amz-date', '20240515T120001Z'), 'signature-mismatch'],
  ['signature: signed custom header value changed',
    () => setHeader(signed({ headers: { 'X-Custom': 'a' }, signHeaders: ['x-custom'] }), 'x-custom', 'b'), 'signature-mismatch'],
  ['signature: path changed', () => ({ ...signed(), path: '/kms/xks/v1/keys/key-02/metadata' }), 'signature-mismatch'],
  ['signature: query added', () => ({ ...signed(), query: 'a=b' }), 'signature-mismatch'],
  ['signature: method changed to PUT', () => ({ ...signed(), method: 'PUT' }), 'signature-mismatch'],
  ['signature: signed with another secret', () => signed({ secret: `${SECRET.slice(0, -1)}A` }), 'signature-mismatch'],
  ['signature: last hex digit flipped', () => withAuth((a) => a.slice(0, -1) + (a.endsWith('0') ? '1' : '0')), 'signature-mismatch'],
];

for (const [name, build, reason] of rejected) {
  test(`${name} -> ${reason}`, () => {
    const req = build();
    const outcome = run(req);
    assert.ok(outcome !== undefined, 'request was accepted');
    assert.equal(outcome.error.reason, reason, outcome.error.message);
    // Cheap rejection: only the signature itself needs the body (spec A12 / the two-phase design).
    assert.equal(outcome.phase, reason === 'signature-mismatch' ? 2 : 1, `failed in phase ${outcome.phase}`);
    // The log message names the cause without secrets or the received signature.
    assert.ok(!outcome.error.message.includes(SECRET), 'message contains the secret');
    const signature = signatureOf(req);
    if (signature.length >= 16) assert.ok(!outcome.error.message.includes(signature), 'message contains the signature');
    assert.ok(outcome.error.message.length < 512, `message is ${outcome.error.message.length} chars`);
  });
}

const accepted: readonly (readonly [string, () => Req])[] = [
  ['accept: request signed as KMS signs it', () => signed()],
  ['accept: header names in odd case', () => {
    const r = signed();
    return { ...r, rawHeaders: r.rawHeaders.map((v, j) => (j % 2 === 0 ? (j % 4 === 0 ? v.toUpperCase() : v.toLowerCase()) : v)) };
  }],
  ['accept: "," without space between components', () => withAuth((a) => a.replaceAll(', ', ','))],
  ['accept: components in another order', () => withAuth((a) => {
    const [cred, signedHeaders, sig] = a.slice('AWS4-HMAC-SHA256 '.length).split(', ');
    return `AWS4-HMAC-SHA256 ${sig}, ${cred}, ${signedHeaders}`;
  })],
  ['accept: X-Amz-Date exactly 5 min in the future', () => signed({ now: NOW + 5 * MIN })],
  ['accept: X-Amz-Date exactly 5 min in the past', () => signed({ now: NOW - 5 * MIN })],
  ['accept: unsigned extra and repeated headers', () => addHeader(addHeader(addHeader(signed(), 'User-Agent', 'x'), 'Accept', 'a'), 'accept', 'b')],
  ['accept: signed header received with an inner whitespace run',
    () => setHeader(signed({ headers: { 'X-Custom': 'a b' }, signHeaders: ['x-custom'] }), 'x-custom', 'a  \t b')],
];

for (const [name, build] of accepted) {
  test(`${name} -> accepted`, () => {
    const outcome = run(build());
    assert.equal(outcome, undefined, outcome?.error.message);
  });
}

test('authorization: 100 KB values of several shapes -> malformed within 50 ms', () => {
  const prefix = 'AWS4-HMAC-SHA256 ';
  const shapes = [
    'x'.repeat(100_000),
    `${prefix}Credential=${'a/'.repeat(50_000)}`,
    `${prefix}${', '.repeat(50_000)}`,
    `${prefix}Credential=a/20240515/us-east-1/kms-xks-proxy/aws4_request, SignedHeaders=${'a;'.repeat(50_000)}host;x-amz-date, Signature=${'0'.repeat(64)}`,
    `${prefix}${'='.repeat(100_000)}`,
  ];
  // CPU time, not wall time: a busy machine delays this test but cannot make it fail (test/support/cpu-time.ts).
  const { ms } = cpuMs(() => {
    for (const value of shapes) {
      const outcome = run(setHeader(signed(), 'authorization', value));
      assert.equal(outcome?.error.reason, 'malformed');
      assert.ok((outcome?.error.message.length ?? 0) < 512);
    }
  });
  assert.ok(ms < 50, `took ${ms.toFixed(1)} ms of CPU`);
});

test('authorization: 4 KB of separators just under the length cap -> malformed within 50 ms', () => {
  const value = `AWS4-HMAC-SHA256 Credential=${',='.repeat(2000)}`;
  const { value: outcome, ms } = cpuMs(() => run(setHeader(signed(), 'authorization', value)));
  assert.equal(outcome?.error.reason, 'malformed');
  assert.ok(ms < 50, `took ${ms.toFixed(1)} ms of CPU`);
});
