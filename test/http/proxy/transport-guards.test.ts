import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { createRequestThrottle } from '../../../src/proxy/throttle/request-throttle.js';
import { createCredentialUsage } from '../../../src/proxy/usage/credential-usage.js';
import aws4 from 'aws4';
import { formatAmzDate } from '../../../src/sigv4/index.js';
import { b64, createTestApp, kmsMetadata, signedRequest, TEST_ACCESS_KEY_ID, TEST_HOST, TEST_NOW, TEST_REGION, TEST_SECRET } from '../../support/test-app.js';
import { pollUntil } from '../../support/poll-until.js';
import { REPO_ROOT } from '../../support/repo-root.js';
import { testTempDir } from '../../support/temp-dir.js';

const SAMPLE_POLICY = resolve(REPO_ROOT, 'examples', 'authorization-policy.json');

const encryptBody = (kmsOperation: string, extra: Record<string, unknown> = {}) => ({
  requestMetadata: kmsMetadata(kmsOperation, extra),
  plaintext: b64('data key'),
  encryptionAlgorithm: 'AES_GCM',
});
const healthBody = { requestMetadata: { kmsRequestId: 'h-1', kmsOperation: 'KmsHealthCheck' } };

test('authz: sample policy -> every real-KMS-shaped call allowed (CreateKey, Encrypt, Decrypt, GenerateDataKey*, ReEncrypt)', async () => {
  const t = createTestApp({ store: { authorizationPolicy: SAMPLE_POLICY } });
  const meta = await signedRequest(t.app, '/kms/xks/v1/keys/key-1/metadata', { requestMetadata: { ...kmsMetadata('CreateKey'), kmsKeyArn: undefined } });
  assert.equal(meta.status, 200, JSON.stringify(meta.body));
  for (const op of ['Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncrypt']) {
    const r = await signedRequest(t.app, '/kms/xks/v1/keys/key-1/encrypt', encryptBody(op, op === 'GenerateDataKey' ? { kmsViaService: 'ebs' } : {}));
    assert.equal(r.status, 200, `${op}: ${JSON.stringify(r.body)}`);
    if (op === 'Encrypt') {
      for (const decOp of ['Decrypt', 'ReEncrypt']) {
        const d = await signedRequest(t.app, '/kms/xks/v1/keys/key-1/decrypt', {
          requestMetadata: kmsMetadata(decOp),
          encryptionAlgorithm: 'AES_GCM',
          ciphertext: r.body.ciphertext,
          ciphertextMetadata: r.body.ciphertextMetadata,
          initializationVector: r.body.initializationVector,
          authenticationTag: r.body.authenticationTag,
        });
        assert.equal(d.status, 200, `${decOp}: ${JSON.stringify(d.body)}`);
      }
    }
  }
  const lines = t.logs.filter((l) => l.msg === 'xks request');
  assert.ok(lines.every((l) => l.authzDecision === 'allow' && typeof l.authzRule === 'string'));
  assert.deepEqual([...new Set(lines.map((l) => l.authzRule))].sort(), ['allow-create-key', 'allow-decrypt', 'allow-encrypt']);
});

test('authz: sample policy -> other kmsOperation values, or Encrypt on /decrypt, -> 403 AccessDeniedException; log names the rule, client learns nothing', async () => {
  const t = createTestApp({ store: { authorizationPolicy: SAMPLE_POLICY } });
  const r = await signedRequest(t.app, '/kms/xks/v1/keys/key-1/encrypt', encryptBody('SomeFutureOperation'));
  assert.equal(r.status, 403);
  assert.equal(r.body.errorName, 'AccessDeniedException');
  assert.doesNotMatch(r.body.errorMessage, /default|rule|allow-/);
  const line = t.logs.find((l) => l.msg === 'xks request');
  assert.equal(line?.authzDecision, 'deny');
  assert.equal(line?.authzRule, 'default');
  assert.match(String(line?.reason), /denied by rule default of .*authorization-policy\.json/);
  const meta = await signedRequest(t.app, '/kms/xks/v1/keys/key-1/metadata', { requestMetadata: kmsMetadata('DescribeKey') });
  assert.equal(meta.body.errorName, 'AccessDeniedException');
});

test('authz: runs after body validation and before key lookup -> bad body 400, unknown key denied 403 (no key probing)', async () => {
  const dir = testTempDir('xks-policy-');
  const file = join(dir, 'p.json');
  writeFileSync(file, JSON.stringify({ default: 'deny', rules: [{ id: 'only-key-1', effect: 'allow', when: { externalKeyId: 'key-1' } }] }));
  const t = createTestApp({ store: { authorizationPolicy: file } });
  const bad = await signedRequest(t.app, '/kms/xks/v1/keys/nope/encrypt', { requestMetadata: kmsMetadata('Encrypt') });
  assert.equal(bad.body.errorName, 'ValidationException');
  const unknown = await signedRequest(t.app, '/kms/xks/v1/keys/nope/encrypt', encryptBody('Encrypt'));
  assert.equal(unknown.body.errorName, 'AccessDeniedException');
  const known = await signedRequest(t.app, '/kms/xks/v1/keys/key-1/encrypt', encryptBody('Encrypt'));
  assert.equal(known.status, 200);
});

test('authz: GetHealthStatus is never subject to the policy (spec A7, A14, C41), even a deny-all one', async () => {
  const dir = testTempDir('xks-policy-');
  const file = join(dir, 'deny-all.json');
  writeFileSync(file, JSON.stringify({ default: 'deny', rules: [{ id: 'deny-all', effect: 'deny' }] }));
  const t = createTestApp({ store: { authorizationPolicy: file } });
  const h = await signedRequest(t.app, '/kms/xks/v1/health', healthBody);
  assert.equal(h.status, 200);
  const e = await signedRequest(t.app, '/kms/xks/v1/keys/key-1/encrypt', encryptBody('Encrypt'));
  assert.equal(e.status, 403);
});

test('throttling: burst above the store quota -> 429 ThrottlingException at once; tokens refill with time; health not counted', async () => {
  let now = TEST_NOW;
  const t = createTestApp({ store: { quota: { requestsPerSecond: 2, burst: 3 } }, clock: () => now });
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await signedRequest(t.app, '/kms/xks/v1/keys/key-1/encrypt', encryptBody('Encrypt'))).status);
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  const r = await signedRequest(t.app, '/kms/xks/v1/keys/key-1/encrypt', encryptBody('Encrypt'));
  assert.equal(r.body.errorName, 'ThrottlingException');
  assert.equal(r.headers['retry-after'], '1');
  assert.equal((await signedRequest(t.app, '/kms/xks/v1/health', healthBody)).status, 200, 'health is exempt from the quota');
  now += 500; // 2/s -> one token
  assert.equal((await signedRequest(t.app, '/kms/xks/v1/keys/key-1/encrypt', encryptBody('Encrypt'))).status, 200);
  assert.equal((await signedRequest(t.app, '/kms/xks/v1/keys/key-1/encrypt', encryptBody('Encrypt'))).status, 429);
  assert.match(String(t.logs.filter((l) => l.msg === 'xks request').at(-1)?.reason), /quota 2\/s burst 3 exceeded/);
});

test('throttling: unauthenticated requests never spend the quota', async () => {
  const t = createTestApp({ store: { quota: { requestsPerSecond: 1, burst: 1 } } });
  for (let i = 0; i < 3; i++) {
    const bad = await signedRequest(t.app, '/kms/xks/v1/keys/key-1/encrypt', encryptBody('Encrypt'), { secret: `${TEST_SECRET.slice(0, -1)}X` });
    assert.equal(bad.status, 401);
  }
  assert.equal((await signedRequest(t.app, '/kms/xks/v1/keys/key-1/encrypt', encryptBody('Encrypt'))).status, 200);
});

test('throttling: global concurrency bound reached -> 429 immediately, released when requests finish', async () => {
  const throttle = createRequestThrottle(() => TEST_NOW);
  const t = createTestApp({ rawConfig: { throttling: { maxConcurrentRequests: 1 } }, deps: { throttle } });
  const release = throttle.tryEnter(1); // a request in progress elsewhere
  assert.ok(release !== undefined);
  const r = await signedRequest(t.app, '/kms/xks/v1/health', healthBody);
  assert.equal(r.status, 429);
  assert.equal(r.body.errorName, 'ThrottlingException');
  release();
  assert.equal((await signedRequest(t.app, '/kms/xks/v1/health', healthBody)).status, 200);
  assert.equal(throttle.inFlight, 0);
});

test('kill switch: blocked store -> InvalidStateException for every API (health included) after authentication; bad signature still 401', async () => {
  const t = createTestApp({ store: { blocked: { by: 'ops', at: '2026-11-28T00:00:00Z' } } });
  for (const [path, body] of [
    ['/kms/xks/v1/health', healthBody],
    ['/kms/xks/v1/keys/key-1/metadata', { requestMetadata: kmsMetadata('CreateKey') }],
    ['/kms/xks/v1/keys/key-1/encrypt', encryptBody('Encrypt')],
  ] as const) {
    const r = await signedRequest(t.app, path, body);
    assert.equal(r.status, 400, path);
    assert.equal(r.body.errorName, 'InvalidStateException');
    assert.doesNotMatch(r.body.errorMessage, /ops/);
  }
  assert.match(String(t.logs.find((l) => l.msg === 'xks request')?.reason), /blocked by ops at 2026-11-28T00:00:00Z/);
  const bad = await signedRequest(t.app, '/kms/xks/v1/health', healthBody, { secret: `${TEST_SECRET.slice(0, -1)}X` });
  assert.equal(bad.status, 401);
});

test('throttling: a pipelined request queued behind a held response, connection reset -> slot released once processed, log line says aborted without a status', async () => {
  // Node queues the response of a pipelined request until the one before it finishes. The slot is held only while
  // an authenticated request is processed, not while its answer waits in the queue; when the connection closes
  // first, the queued response never emits 'close', and the record still ends (socket 'close'), as 'aborted'.
  const { createServer } = await import('node:http');
  const { connect } = await import('node:net');
  const throttle = createRequestThrottle(() => TEST_NOW);
  const credentialUsage = createCredentialUsage(() => TEST_NOW);
  const t = createTestApp({ deps: { throttle, credentialUsage } });
  const server = createServer((req, res) => {
    if (req.url === '/held') return; // never answered
    t.app(req, res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    const { port } = server.address() as import('node:net').AddressInfo;
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((ok) => socket.once('connect', ok));
    const body = JSON.stringify(healthBody);
    const signed = aws4.sign(
      { host: TEST_HOST, method: 'POST', path: '/kms/xks/v1/health', service: 'kms-xks-proxy', region: TEST_REGION, headers: { 'Content-Type': 'application/json', 'X-Amz-Date': formatAmzDate(TEST_NOW) }, body },
      { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET },
    );
    const head = Object.entries(signed.headers ?? {}).map(([k, v]) => `${k}: ${String(v)}`).join('\r\n');
    socket.write(`GET /held HTTP/1.1\r\nHost: x\r\n\r\nPOST /kms/xks/v1/health HTTP/1.1\r\n${head}\r\n\r\n${body}`);
    // Processed (its credential use is recorded once the signature verified), its answer queued behind /held.
    const processed = () => credentialUsage.get('test', TEST_ACCESS_KEY_ID) !== undefined;
    await pollUntil('the pipelined request authenticated and processed', processed); // 30 s hang guard, not 200 tries of 10 ms
    assert.equal(throttle.inFlight, 0, 'no slot is held by a request whose answer only waits in the queue');
    assert.equal(t.logs.length, 0, 'its answer is still queued');
    socket.destroy();
    const line = await pollUntil('the aborted request line', () => t.logs.find((l) => l.msg === 'xks request'));
    assert.equal(line?.outcome, 'aborted');
    assert.equal(Object.hasOwn(line ?? {}, 'status'), false, 'no status: nothing was sent');
    assert.equal(line?.accessKeyId, TEST_ACCESS_KEY_ID);
  } finally {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  }
});

