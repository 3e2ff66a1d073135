import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { computeCdiv } from '../../src/xks/cdiv.js';
import { pollUntil } from '../support/poll-until.js';
import { createTempProxyDir, startProxyProcess, type ProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET, testKey } from '../support/test-app.js';

/** The real curl binary signs (--aws-sigv4) and the real proxy process verifies, over real TCP. */
function curl(url: string, body: string, options: { secret?: string; method?: string } = {}): { status: number; body: string } {
  const result = spawnSync(
    'curl',
    [
      '-sS',
      '-o', '-',
      '-w', '\n%{http_code}',
      '--aws-sigv4', `aws:amz:${TEST_REGION}:kms-xks-proxy`,
      '--user', `${TEST_ACCESS_KEY_ID}:${options.secret ?? TEST_SECRET}`,
      '-H', 'Content-Type: application/json',
      ...(options.method === undefined ? ['--data-binary', body] : ['-X', options.method]),
      url,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(result.status, 0, result.stderr);
  const split = result.stdout.lastIndexOf('\n');
  return { body: result.stdout.slice(0, split), status: Number(result.stdout.slice(split + 1)) };
}

const metadata = (kmsOperation: string) => ({
  awsPrincipalArn: 'arn:aws:iam::111122223333:user/curl',
  kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/curl',
  kmsOperation,
  kmsRequestId: 'curl-1',
});

let dir: TempProxyDir;
let proxy: ProxyProcess;
before(async () => {
  dir = createTempProxyDir({ keys: [testKey('curl-key'), testKey('curl-key-encrypt-only', { usage: ['ENCRYPT'] })], uriPrefix: '/tenant-a' });
  proxy = await startProxyProcess(['serve', '--config', dir.configPath]);
});
after(async () => {
  await proxy.stop();
  dir.cleanup();
});

test('e2e curl --aws-sigv4: health on a real process -> 200 ACTIVE', () => {
  const r = curl(`${proxy.url}/tenant-a/kms/xks/v1/health`, JSON.stringify({ requestMetadata: { kmsRequestId: 'c', kmsOperation: 'KmsHealthCheck' } }));
  assert.equal(r.status, 200, r.body);
  assert.equal(JSON.parse(r.body).ekmFleetDetails[0].healthStatus, 'ACTIVE');
});

// spec A7 / A10 note: AWS's XKS test tooling expects ValidationException for a health body without usable metadata.
for (const [condition, body] of [
  ['no requestMetadata', '{}'],
  ['requestMetadata {}', '{"requestMetadata":{}}'],
  ['requestMetadata not an object', '{"requestMetadata":"x"}'],
  ['no kmsOperation', '{"requestMetadata":{"kmsRequestId":"c"}}'],
  ['not JSON', 'health please'],
] as const) {
  test(`e2e curl --aws-sigv4: health with ${condition} -> 400 ValidationException`, () => {
    const r = curl(`${proxy.url}/tenant-a/kms/xks/v1/health`, body);
    assert.equal(r.status, 400, r.body);
    assert.equal(JSON.parse(r.body).errorName, 'ValidationException');
  });
}

test('e2e curl: health with requestMetadata {} but a wrong secret -> 401 first', () => {
  const r = curl(`${proxy.url}/tenant-a/kms/xks/v1/health`, '{"requestMetadata":{}}', { secret: `${TEST_SECRET.slice(0, -1)}X` });
  assert.equal(r.status, 401, r.body);
  assert.equal(JSON.parse(r.body).errorName, 'AuthenticationFailedException');
});

test('e2e curl --aws-sigv4: ENCRYPT-only key, CDIV requested -> 400 InvalidKeyUsageException; without CDIV -> 200', () => {
  const url = `${proxy.url}/tenant-a/kms/xks/v1/keys/curl-key-encrypt-only/encrypt`;
  const body = { requestMetadata: metadata('Encrypt'), plaintext: Buffer.from('Hello World!').toString('base64'), encryptionAlgorithm: 'AES_GCM' };
  const refused = curl(url, JSON.stringify({ ...body, ciphertextDataIntegrityValueAlgorithm: 'SHA_256' }));
  assert.equal(refused.status, 400, refused.body);
  assert.equal(JSON.parse(refused.body).errorName, 'InvalidKeyUsageException');
  const ok = curl(url, JSON.stringify(body));
  assert.equal(ok.status, 200, ok.body);
  assert.equal(JSON.parse(ok.body).ciphertextDataIntegrityValue, undefined);
});

test('e2e curl --aws-sigv4: encrypt with CDIV then decrypt -> same plaintext, CDIV verifies', () => {
  const aad = Buffer.from('project=nile,department=marketing');
  const enc = curl(
    `${proxy.url}/tenant-a/kms/xks/v1/keys/curl-key/encrypt`,
    JSON.stringify({
      requestMetadata: metadata('Encrypt'),
      plaintext: Buffer.from('Hello World!').toString('base64'),
      encryptionAlgorithm: 'AES_GCM',
      additionalAuthenticatedData: aad.toString('base64'),
      ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
    }),
  );
  assert.equal(enc.status, 200, enc.body);
  const e = JSON.parse(enc.body) as Record<string, string>;
  const bytes = (k: string) => Buffer.from(e[k] ?? '', 'base64');
  assert.equal(
    e.ciphertextDataIntegrityValue,
    computeCdiv({ aad, metadata: bytes('ciphertextMetadata'), iv: bytes('initializationVector'), ciphertext: bytes('ciphertext'), tag: bytes('authenticationTag') }),
  );
  const dec = curl(
    `${proxy.url}/tenant-a/kms/xks/v1/keys/curl-key/decrypt`,
    JSON.stringify({
      requestMetadata: metadata('Decrypt'),
      encryptionAlgorithm: 'AES_GCM',
      additionalAuthenticatedData: aad.toString('base64'),
      ciphertext: e.ciphertext,
      ciphertextMetadata: e.ciphertextMetadata,
      initializationVector: e.initializationVector,
      authenticationTag: e.authenticationTag,
    }),
  );
  assert.equal(dec.status, 200, dec.body);
  assert.equal(Buffer.from(JSON.parse(dec.body).plaintext, 'base64').toString(), 'Hello World!');
});

test('e2e curl --aws-sigv4: wrong secret -> 401 AuthenticationFailedException, logged with its reason', async () => {
  const r = curl(`${proxy.url}/tenant-a/kms/xks/v1/keys/curl-key/metadata`, JSON.stringify({ requestMetadata: metadata('CreateKey') }), {
    secret: `${TEST_SECRET.slice(0, -1)}X`,
  });
  assert.equal(r.status, 401);
  assert.equal(JSON.parse(r.body).errorName, 'AuthenticationFailedException');
  // The log line is written asynchronously: wait for it (pollUntil's deadline is a hang guard).
  await pollUntil('the signature-mismatch log line', () => /signature-mismatch/.test(proxy.stdout()), { intervalMs: 50 });
});

test('e2e curl: GET on an API URI -> 405', () => {
  const r = curl(`${proxy.url}/tenant-a/kms/xks/v1/health`, '', { method: 'GET' });
  assert.equal(r.status, 405);
});
