/**
 * SigV4 at the HTTP boundary (spec A12): every failure is 401 AuthenticationFailedException to the client, with
 * the precise reason only in the log. The pure verifier's tables live in test/unit/sigv4/.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import type { Response } from 'supertest';
import { createTestApp, signedRequest, TEST_NOW, TEST_SECRET, type SignOptions, type TestApp } from '../../support/test-app.js';
import { assertOk, assertXksError, encryptBody, encryptPath, HEALTH, waitForLogs } from '../../support/http-assertions.js';

const healthBody = { requestMetadata: { kmsRequestId: 'auth-test-request-id', kmsOperation: 'KmsHealthCheck' } };
const FIVE_MIN = 5 * 60_000;

/** The Authorization header the client actually sent, and its Signature. */
function sentAuthorization(res: Response): { header: string; signature: string } {
  const header = res.request.get('Authorization');
  assert.equal(typeof header, 'string');
  const signature = /Signature=([0-9a-f]{64})/.exec(header)?.[1];
  assert.ok(signature !== undefined, `no Signature in ${header}`);
  return { header, signature };
}

/** 401, the log line names the reason, and neither the response nor the log carries the secret or the signature. */
async function assertAuthFailure(t: TestApp, res: Response, reason: RegExp): Promise<void> {
  assertXksError(res, 401, 'AuthenticationFailedException');
  const [line] = (await waitForLogs(t, 1)).slice(-1);
  assert.equal(line?.errorName, 'AuthenticationFailedException');
  assert.match(String(line?.reason), reason);
  const secrets = [TEST_SECRET];
  const auth = res.request.get('Authorization');
  if (typeof auth === 'string' && auth.startsWith('AWS4-HMAC-SHA256 ')) secrets.push(auth, sentAuthorization(res).signature);
  else if (typeof auth === 'string' && auth.length > 0) secrets.push(auth);
  for (const secret of secrets) {
    assert.ok(!res.text.includes(secret), 'response leaks a secret or signature');
    assert.ok(!t.rawLogs.some((l) => l.includes(secret)), 'log leaks a secret or signature');
  }
}

test('health: valid aws4 signature -> 200', async () => {
  const t = createTestApp();
  assertOk(await signedRequest(t.app, HEALTH, healthBody));
  const [line] = await waitForLogs(t, 1);
  assert.equal(line?.outcome, 'ok');
});

test('encrypt: valid aws4 signature over a key operation -> 200', async () => {
  const t = createTestApp();
  assertOk(await signedRequest(t.app, encryptPath('key-1'), encryptBody('signed')));
});

const failures: readonly [string, SignOptions, RegExp][] = [
  ['wrong secret', { secret: 'WRONGWRONGWRONGWRONGWRONGWRONGWRONGWRONGWRO' }, /signature-mismatch/],
  ['unknown access key id', { accessKeyId: 'AKIAUNKNOWNUNKNOWN22' }, /unknown-access-key-id/],
  ['wrong region', { region: 'eu-west-1' }, /wrong-scope.*region/],
  ['wrong service kms', { service: 'kms' }, /wrong-scope.*service/],
  ['wrong service execute-api', { service: 'execute-api' }, /wrong-scope.*service/],
  ['request 5 min + 1 s in the past', { time: TEST_NOW - FIVE_MIN - 1000 }, /clock-skew/],
  ['request 5 min + 1 s in the future', { time: TEST_NOW + FIVE_MIN + 1000 }, /clock-skew/],
  ['request a day in the past', { time: TEST_NOW - 86_400_000 }, /clock-skew/],
];

for (const [condition, options, reason] of failures) {
  test(`health: ${condition} -> 401 AuthenticationFailedException`, async () => {
    const t = createTestApp();
    await assertAuthFailure(t, await signedRequest(t.app, HEALTH, healthBody, options), reason);
  });
}

test('health: KMS in a Region the key store does not accept -> 401 whose errorMessage names the region as the cause', async () => {
  const t = createTestApp();
  const res = await signedRequest(t.app, HEALTH, healthBody, { region: 'eu-west-1' });
  await assertAuthFailure(t, res, /wrong-scope.*region/);
  assert.equal((res.body as { errorMessage?: string }).errorMessage, 'The credential scope region "eu-west-1" is not one of this key store\'s regions');
  // Another scope mistake keeps the general message.
  const other = await signedRequest(t.app, HEALTH, healthBody, { service: 'kms' });
  assert.match((other.body as { errorMessage?: string }).errorMessage ?? '', /^The credential scope does not match this key store/);
});

for (const [condition, time] of [
  ['exactly 5 min in the past', TEST_NOW - FIVE_MIN],
  ['exactly 5 min in the future', TEST_NOW + FIVE_MIN],
  ['4 min 59 s in the past', TEST_NOW - FIVE_MIN + 1000],
] as const) {
  test(`health: request ${condition} -> 200`, async () => {
    const t = createTestApp();
    assertOk(await signedRequest(t.app, HEALTH, healthBody, { time }));
  });
}

test('encrypt: clock-skew failure says so in the log, not the secret -> 401 AuthenticationFailedException', async () => {
  const t = createTestApp();
  const res = await signedRequest(t.app, encryptPath('key-1'), encryptBody('x'), { time: TEST_NOW + FIVE_MIN + 1000 });
  await assertAuthFailure(t, res, /^sigv4 clock-skew: /);
});

test('encrypt: body altered after signing (same length) -> 401 AuthenticationFailedException', async () => {
  const t = createTestApp();
  const signedBody = JSON.stringify(encryptBody('attack at dawn'));
  const altered = JSON.stringify(encryptBody('attack at dusk'));
  assert.equal(altered.length, signedBody.length);
  // A Buffer body goes through serialize(), which swaps the bytes on the wire after aws4 has signed the original.
  const res = await signedRequest(t.app, encryptPath('key-1'), Buffer.from(signedBody)).serialize(() => altered);
  await assertAuthFailure(t, res, /signature-mismatch/);
});

test('health: body altered after signing (whitespace added) -> 401 AuthenticationFailedException', async () => {
  const t = createTestApp();
  const signedBody = JSON.stringify(healthBody);
  const res = await signedRequest(t.app, HEALTH, Buffer.from(signedBody)).serialize(() => ` ${signedBody.slice(0, -1)}`);
  await assertAuthFailure(t, res, /signature-mismatch/);
});

test('health: missing Authorization -> 401 AuthenticationFailedException', async () => {
  const t = createTestApp();
  const res = await request(t.app).post(HEALTH).set('Content-Type', 'application/json').send(JSON.stringify(healthBody));
  await assertAuthFailure(t, res, /missing-header/);
});

test('health: Authorization removed after signing -> 401 AuthenticationFailedException', async () => {
  const t = createTestApp();
  const res = await signedRequest(t.app, HEALTH, healthBody).unset('Authorization');
  await assertAuthFailure(t, res, /missing-header/);
});

test('health: X-Amz-Date removed after signing -> 401 AuthenticationFailedException', async () => {
  const t = createTestApp();
  const res = await signedRequest(t.app, HEALTH, healthBody).unset('X-Amz-Date');
  await assertAuthFailure(t, res, /missing-header/);
});

test('health: X-Amz-Date changed after signing (within the window) -> 401 AuthenticationFailedException', async () => {
  const t = createTestApp();
  const res = await signedRequest(t.app, HEALTH, healthBody).set('X-Amz-Date', '20261128T120001Z');
  await assertAuthFailure(t, res, /signature-mismatch/);
});

test('health: Authorization not SigV4 (Basic) -> 401 AuthenticationFailedException', async () => {
  const t = createTestApp();
  const res = await signedRequest(t.app, HEALTH, healthBody).set('Authorization', 'Basic dXNlcjpwYXNz');
  await assertAuthFailure(t, res, /malformed/);
});

test('encrypt: wrong secret with a valid body -> 401 AuthenticationFailedException, the log keeps only kmsRequestId/kmsOperation of the unauthenticated body', async () => {
  const t = createTestApp();
  const res = await signedRequest(t.app, encryptPath('key-1'), encryptBody('x'), { secret: 'WRONGWRONGWRONGWRONGWRONGWRONGWRONGWRONGWRO' });
  await assertAuthFailure(t, res, /signature-mismatch/);
  const [line] = t.logs.slice(-1);
  assert.equal(line?.operation, 'Encrypt');
  assert.equal(line?.externalKeyId, 'key-1');
  assert.equal(line?.kmsRequestId, (encryptBody('x').requestMetadata as { kmsRequestId: string }).kmsRequestId);
  assert.equal(line?.kmsOperation, 'Encrypt');
  assert.equal(line?.awsPrincipalArn, undefined);
  assert.equal(line?.kmsKeyArn, undefined);
});
