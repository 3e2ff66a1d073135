/**
 * `xks kms --credential AKID:::SECRET[:::PRINCIPAL_ARN]`: requests to the emulator must be SigV4-signed (service
 * `kms`, the emulator's Region) with a configured credential. Verified by src/sigv4; signed here by aws4 and by
 * @aws-sdk/client-kms (@smithy/signature-v4), two independent signers.
 */
import { CreateKeyCommand, DescribeCustomKeyStoresCommand, KMSClient } from '@aws-sdk/client-kms';
import aws4 from 'aws4';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EmulatorCredential } from '../../../src/kms-emulator/context/kms-config.js';
import { KmsException } from '../../../src/kms-emulator/wire/kms-exceptions.js';
import { authenticateKmsRequest } from '../../../src/kms-emulator/wire/authenticate-kms-request.js';
import { FAKE_ACCESS_KEY_ID, FAKE_SECRET, startFakeXksProxy, type FakeXksProxy } from '../../support/fake-xks-proxy.js';
import { connectAndSettle, createPublicStore, startHarness, type Harness } from '../../support/kms-harness.js';

const CALLER: EmulatorCredential = {
  accessKeyId: 'AKIDCALLEREXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  principalArn: 'arn:aws:iam::111122223333:role/xks-admin',
};
const OTHER_SECRET = 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz';
const REGION = 'us-east-1';
const NOW = Date.parse('2026-11-28T12:00:00.000Z');
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const BODY = '{"CustomKeyStoreName":"a"}';

interface SignOptions {
  readonly accessKeyId?: string;
  readonly secret?: string;
  readonly region?: string;
  readonly service?: string;
  readonly at?: number;
}

/** aws4-signed KMS request as Node would receive it (rawHeaders). */
function signed(o: SignOptions = {}, body = BODY): { rawHeaders: string[]; body: Buffer } {
  const amzDate = new Date(o.at ?? NOW).toISOString().replace(/[:-]|\.\d{3}/g, '');
  const req = aws4.sign(
    {
      method: 'POST',
      host: '127.0.0.1:7800',
      path: '/',
      service: o.service ?? 'kms',
      region: o.region ?? REGION,
      body,
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'TrentService.DescribeCustomKeyStores', 'X-Amz-Date': amzDate },
    },
    { accessKeyId: o.accessKeyId ?? CALLER.accessKeyId, secretAccessKey: o.secret ?? CALLER.secretAccessKey },
  );
  return { rawHeaders: Object.entries(req.headers ?? {}).flatMap(([k, v]) => [k, String(v)]), body: Buffer.from(body) };
}

type Received = { rawHeaders: string[]; body: Buffer };
const verify = (request: Received, credentials: readonly EmulatorCredential[] | undefined) =>
  authenticateKmsRequest({ method: 'POST', path: '/', query: '', ...request }, { credentials, region: REGION, now: NOW });
/** Credential mode: `--credential` given. */
const check = (request: Received) => verify(request, [CALLER]);
/** Default mode: no `--credential`. */
const checkDefault = (request: Received) => verify(request, undefined);

function failure(fn: () => unknown): { type: string; status: number; message: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof KmsException, String(e));
    return { type: e.type, status: e.httpStatus, message: e.message };
  }
  assert.fail('expected a KmsException');
}

describe('authenticateKmsRequest (pure, pinned clock)', () => {
  it('credential mode: correctly signed -> the matching credential (its principal ARN)', () => {
    assert.deepEqual(check(signed()), CALLER);
  });

  it('credential mode: each way of signing wrong -> the exception real KMS gives', () => {
    const rows: [string, () => unknown, string, number, string | RegExp][] = [
      ['another secret', () => check(signed({ secret: OTHER_SECRET })), 'InvalidSignatureException', 400, MISMATCH],
      ['body changed after signing', () => check({ ...signed(), body: Buffer.from('{"CustomKeyStoreName":"b"}') }), 'InvalidSignatureException', 400, MISMATCH],
      ['unknown access key id', () => check(signed({ accessKeyId: 'AKIDSOMEONEELSE' })), 'UnrecognizedClientException', 400, 'The security token included in the request is invalid.'],
      ['other region', () => check(signed({ region: 'eu-west-1' })), 'InvalidSignatureException', 400, /scoped to a valid region \('us-east-1'\)/],
      ['other service', () => check(signed({ service: 'kms-xks-proxy' })), 'InvalidSignatureException', 400, "Credential should be scoped to correct service: 'kms'."],
      [
        'signed 6 minutes ago',
        () => check(signed({ at: NOW - 6 * 60_000 })),
        'InvalidSignatureException',
        400,
        'Signature expired: 20261128T115400Z is now earlier than 20261128T115500Z (20261128T120000Z - 5 min.)',
      ],
      [
        'signed 6 minutes ahead',
        () => check(signed({ at: NOW + 6 * 60_000 })),
        'InvalidSignatureException',
        400,
        'Signature not yet current: 20261128T120600Z is still later than 20261128T120500Z (20261128T120000Z + 5 min.)',
      ],
      ['no Authorization', () => check({ rawHeaders: ['Host', '127.0.0.1:7800'], body: Buffer.from(BODY) }), 'MissingAuthenticationTokenException', 403, 'Missing Authentication Token'],
      ['not SigV4', () => check({ rawHeaders: ['Host', 'h', 'Authorization', 'Bearer x'], body: Buffer.from(BODY) }), 'IncompleteSignatureException', 400, /^Authorization header requires/],
      [
        'X-Amz-Date missing',
        () => check({ rawHeaders: signed().rawHeaders.filter((_, i, a) => a[i - (i % 2)] !== 'X-Amz-Date'), body: Buffer.from(BODY) }),
        'IncompleteSignatureException',
        400,
        /^Authorization header requires/,
      ],
    ];
    for (const [name, fn, type, status, message] of rows) {
      const f = failure(fn);
      assert.equal(f.type, type, name);
      assert.equal(f.status, status, name);
      if (typeof message === 'string') assert.equal(f.message, message, name);
      else assert.match(f.message, message, name);
    }
  });

  it('default mode (no --credential): any well-formed signature for service kms, whatever its secret, key or date', () => {
    for (const o of [{ secret: OTHER_SECRET }, { accessKeyId: 'AKIDSOMEONEELSE' }, { at: NOW - 3600_000 }, { region: 'eu-west-1' }]) {
      assert.equal(checkDefault(signed(o)), undefined, JSON.stringify(o));
    }
    assert.equal(failure(() => checkDefault(signed({ service: 's3' }))).type, 'InvalidSignatureException');
  });
});

describe('emulator with --credential, driven by @aws-sdk/client-kms', () => {
  let h: Harness;
  let fake: FakeXksProxy;
  const client = (secretAccessKey: string, options: { region?: string; systemClockOffset?: number } = {}) =>
    new KMSClient({ endpoint: h.endpoint, region: options.region ?? REGION, credentials: { accessKeyId: CALLER.accessKeyId, secretAccessKey }, maxAttempts: 1, systemClockOffset: options.systemClockOffset ?? 0 });

  before(async () => {
    fake = await startFakeXksProxy();
    h = await startHarness({ credentials: [CALLER] });
  });
  after(async () => {
    await h.close();
    await fake.close();
  });

  it('signed with the configured secret -> works; the credential principal is the awsPrincipalArn the proxy sees', async () => {
    const kms = client(CALLER.secretAccessKey);
    try {
      const id = await createPublicStore(kms, { name: 'signed', uriEndpoint: `http://127.0.0.1:${fake.port}`, uriPath: '/kms/xks/v1', accessKeyId: FAKE_ACCESS_KEY_ID, secret: FAKE_SECRET });
      assert.deepEqual(await connectAndSettle(kms, id), { state: 'CONNECTED', code: undefined });
      await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'foo' }));
      const metadata = fake.requests.at(-1)?.body['requestMetadata'] as Record<string, unknown>;
      assert.equal(metadata['kmsOperation'], 'CreateKey');
      assert.equal(metadata['awsPrincipalArn'], CALLER.principalArn);
    } finally {
      kms.destroy();
    }
  });

  it('signed with another secret -> 400 InvalidSignatureException (the message real KMS gives); the log names the reason', async () => {
    const kms = client(OTHER_SECRET);
    try {
      const e = (await kms.send(new DescribeCustomKeyStoresCommand({})).catch((err: unknown) => err)) as Error & { $metadata?: { httpStatusCode?: number } };
      assert.equal(e.name, 'InvalidSignatureException');
      assert.equal(e.$metadata?.httpStatusCode, 400);
      assert.equal(e.message, MISMATCH);
      const line = h.logLines.findLast((l) => l['errorType'] === 'InvalidSignatureException');
      assert.match(String(line?.['cause']), /^sigv4 signature-mismatch: /);
      assert.ok(!JSON.stringify(h.logLines).includes(CALLER.secretAccessKey), 'no secret in the log');
    } finally {
      kms.destroy();
    }
  });

  it('other Region -> InvalidSignatureException; clock 10 minutes off -> InvalidSignatureException "Signature expired"', async () => {
    for (const [options, message] of [
      [{ region: 'eu-west-1' }, /scoped to a valid region/],
      [{ systemClockOffset: -10 * 60_000 }, /^Signature expired: /],
    ] as const) {
      const kms = client(CALLER.secretAccessKey, options);
      try {
        await assert.rejects(kms.send(new DescribeCustomKeyStoresCommand({})), (e: Error) => e.name === 'InvalidSignatureException' && message.test(e.message));
      } finally {
        kms.destroy();
      }
    }
  });
});
