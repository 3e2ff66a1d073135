// STYLE habit 7: the real `curl --aws-sigv4` (spec A12: curl >= 7.75) against our verifier over HTTP on
// 127.0.0.1, using req.rawHeaders, the raw path and the raw body bytes exactly as node:http received them.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  MAX_CLOCK_SKEW_MS,
  SigV4Error,
  authenticateHeaders,
  verifyPayloadSignature,
  type SigV4FailureReason,
} from '../../../src/sigv4/index.js';

const ACCESS_KEY_ID = 'AKIAI2SFODNN7EXAMPLE';
const SECRET = 'FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE';
const REGION = 'us-east-1';
const BODY = '{"requestMetadata":{"kmsRequestId":"4112f4d6-db54-4af4-ae30-c55a22a8dfae","kmsOperation":"KmsHealthCheck"}}';

/** Why curl cannot run here, or undefined when it can (curl >= 7.75 has --aws-sigv4). */
function curlUnavailable(): string | undefined {
  try {
    const m = /^curl (\d+)\.(\d+)/.exec(execFileSync('curl', ['--version'], { encoding: 'utf8' }));
    if (m === null) return 'cannot read the curl version';
    const [major, minor] = [Number(m[1]), Number(m[2])];
    return major > 7 || (major === 7 && minor >= 75) ? undefined : `curl ${major}.${minor} lacks --aws-sigv4`;
  } catch {
    return 'curl is not installed';
  }
}
// The real binary is part of the suite (.ci/run installs it): a missing or old curl fails, it does not skip.
test('curl: installed and has --aws-sigv4 (>= 7.75)', () => {
  assert.equal(curlUnavailable(), undefined);
});

interface Outcome {
  readonly reason: SigV4FailureReason | 'ok';
  readonly host: string;
}
const outcomes: Outcome[] = [];
let server: Server;
let port = 0;

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      let reason: Outcome['reason'] = 'ok';
      try {
        const pending = authenticateHeaders(
          {
            method: req.method ?? '',
            path: q < 0 ? url : url.slice(0, q),
            query: q < 0 ? '' : url.slice(q + 1),
            rawHeaders: req.rawHeaders,
          },
          {
            service: 'kms-xks-proxy',
            acceptsRegion: (region) => region === REGION,
            maxSkewMs: MAX_CLOCK_SKEW_MS,
            now: Date.now(),
            secretFor: (akid) => (akid === ACCESS_KEY_ID ? SECRET : undefined),
          },
        );
        verifyPayloadSignature(pending, Buffer.concat(chunks));
      } catch (err) {
        if (!(err instanceof SigV4Error)) throw err;
        reason = err.reason;
      }
      outcomes.push({ reason, host: req.headers.host ?? '' });
      res.writeHead(reason === 'ok' ? 200 : 401, { 'content-type': 'text/plain' }).end(reason);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(() => server.close());

/** Run curl with the body on stdin; resolve with the HTTP status and the response body. */
function curl(args: readonly string[], body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-sS', '-w', '\n%{http_code}', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let errText = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (errText += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`curl exited ${code}: ${errText}`));
      const nl = out.lastIndexOf('\n');
      resolve({ status: Number(out.slice(nl + 1)), text: out.slice(0, nl) });
    });
    child.stdin.end(body);
  });
}

function sigv4Args(user: string, region = REGION): string[] {
  return ['--aws-sigv4', `aws:amz:${region}:kms-xks-proxy`, '--user', user, '-H', 'Content-Type: application/json', '--data-binary', '@-'];
}

test('curl --aws-sigv4: health request with the right credential -> 200', async () => {
  const res = await curl([...sigv4Args(`${ACCESS_KEY_ID}:${SECRET}`), `http://127.0.0.1:${port}/kms/xks/v1/health`], BODY);
  assert.deepEqual(res, { status: 200, text: 'ok' });
  assert.equal(outcomes.at(-1)?.host, `127.0.0.1:${port}`);
});

test('curl --aws-sigv4: path prefix and key id in the path -> 200', async () => {
  const url = `http://127.0.0.1:${port}/keystores/ks_1-a/kms/xks/v1/keys/key.01-x_y/metadata`;
  const res = await curl([...sigv4Args(`${ACCESS_KEY_ID}:${SECRET}`), url], BODY);
  assert.deepEqual(res, { status: 200, text: 'ok' });
});

// curl 7.x signs the query string verbatim (no sorting), so only an already-canonical query can be
// cross-checked with curl; cross-signers.test.ts checks unsorted queries against aws4 and smithy.
test('curl --aws-sigv4: already-canonical query string -> 200', async () => {
  const url = `http://127.0.0.1:${port}/kms/xks/v1/health?a=1&b=2`;
  const res = await curl([...sigv4Args(`${ACCESS_KEY_ID}:${SECRET}`), url], BODY);
  assert.deepEqual(res, { status: 200, text: 'ok' });
});

test('curl --aws-sigv4: wrong secret -> 401 signature-mismatch', async () => {
  const res = await curl([...sigv4Args(`${ACCESS_KEY_ID}:${SECRET.slice(1)}x`), `http://127.0.0.1:${port}/kms/xks/v1/health`], BODY);
  assert.deepEqual(res, { status: 401, text: 'signature-mismatch' });
});

test('curl --aws-sigv4: unaccepted region -> 401 wrong-scope', async () => {
  const res = await curl([...sigv4Args(`${ACCESS_KEY_ID}:${SECRET}`, 'eu-west-1'), `http://127.0.0.1:${port}/kms/xks/v1/health`], BODY);
  assert.deepEqual(res, { status: 401, text: 'wrong-scope' });
});

test('curl without --aws-sigv4 -> 401 missing-header', async () => {
  const res = await curl(['-H', 'Content-Type: application/json', '--data-binary', '@-', `http://127.0.0.1:${port}/kms/xks/v1/health`], BODY);
  assert.deepEqual(res, { status: 401, text: 'missing-header' });
});
