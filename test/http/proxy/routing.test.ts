import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import type { Response } from 'supertest';
import { createTestApp, kmsMetadata, signedRequest, testKey } from '../../support/test-app.js';
import { assertJsonContentType, assertOk, assertPrintableMessage, assertXksError, decryptPath, encryptPath, HEALTH, metadataPath } from '../../support/http-assertions.js';

const API_URIS = [
  ['health', HEALTH],
  ['metadata', metadataPath('key-1')],
  ['encrypt', encryptPath('key-1')],
  ['decrypt', decryptPath('key-1')],
] as const;

const healthBody = { requestMetadata: { kmsRequestId: 'r-1', kmsOperation: 'KmsHealthCheck' } };

/** spec A1 / C6: 405 with Allow: POST. The body is unspecified [UNCONFIRMED]; ours is the usual {errorName, errorMessage}. */
function assert405(res: Response): void {
  assert.equal(res.status, 405, res.text.slice(0, 200));
  assert.equal(res.headers.allow, 'POST');
  assertJsonContentType(res);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['errorMessage', 'errorName']);
  // The catalog's answer, not just any string: UnsupportedOperationException's name with the method named.
  assert.equal(body.errorName, 'UnsupportedOperationException');
  assert.match(body.errorMessage as string, /^HTTP method [A-Z]+ is not allowed; XKS APIs accept POST only$/);
  assertPrintableMessage(body.errorMessage as string);
}

for (const [name, path] of API_URIS) {
  test(`${name}: GET without any authentication -> 405 Allow: POST`, async () => {
    const t = createTestApp();
    assert405(await request(t.app).get(path));
  });

  test(`${name}: GET, validly signed -> 405 Allow: POST`, async () => {
    const t = createTestApp();
    assert405(await signedRequest(t.app, path, '', { method: 'GET', contentType: null }));
  });
}

for (const method of ['put', 'delete', 'patch'] as const) {
  test(`encrypt: ${method.toUpperCase()} -> 405 Allow: POST`, async () => {
    const t = createTestApp();
    assert405(await request(t.app)[method](encryptPath('key-1')).set('Content-Type', 'application/json').send('{}'));
  });
}

test('health: HEAD -> 405 Allow: POST', async () => {
  const t = createTestApp();
  const res = await request(t.app).head(HEALTH);
  assert.equal(res.status, 405);
  assert.equal(res.headers.allow, 'POST');
});

const badPaths: readonly [string, string][] = [
  ['unknown prefix', '/tenant-x/kms/xks/v1/health'],
  ['trailing slash', '/kms/xks/v1/health/'],
  ['trailing slash on a key operation', '/kms/xks/v1/keys/key-1/encrypt/'],
  ['wrong case', '/KMS/xks/v1/health'],
  ['wrong case of the operation', '/kms/xks/v1/keys/key-1/Encrypt'],
  ['API version v2', '/kms/xks/v2/health'],
  ['API base only', '/kms/xks/v1'],
  ['root', '/'],
  ['unknown key operation', '/kms/xks/v1/keys/key-1/sign'],
  ['keys without an operation', '/kms/xks/v1/keys/key-1'],
  ['empty key id', '/kms/xks/v1/keys//metadata'],
  ['key id of 129 chars', metadataPath('k'.repeat(129))],
  ['key id with %20', metadataPath('key%201')],
  ['key id with ..%2F', metadataPath('..%2Fkey-1')],
  ['key id with %2E%2E', metadataPath('%2E%2E')],
  ['double slash', '//kms/xks/v1/health'],
  ['percent-encoded base path', '/kms%2Fxks%2Fv1/health'],
];

for (const [condition, path] of badPaths) {
  test(`routing: ${condition} (${path.length > 60 ? `${path.slice(0, 60)}...` : path}) -> 404 InvalidUriPathException`, async () => {
    const t = createTestApp();
    assertXksError(await signedRequest(t.app, path, { requestMetadata: kmsMetadata('Encrypt') }), 404, 'InvalidUriPathException');
  });
}

test('routing: unknown path with GET -> 404 InvalidUriPathException (path is checked before method)', async () => {
  const t = createTestApp();
  assertXksError(await request(t.app).get('/kms/xks/v2/health'), 404, 'InvalidUriPathException');
});

test('routing: key id of 128 chars -> 404 KeyNotFoundException (a valid path)', async () => {
  const t = createTestApp();
  const { kmsKeyArn: _unused, ...requestMetadata } = kmsMetadata('CreateKey');
  assertXksError(await signedRequest(t.app, metadataPath('k'.repeat(128)), { requestMetadata }), 404, 'KeyNotFoundException');
});

for (const id of ['.hidden', '.xks-keys.lock.1']) {
  test(`routing: key id ${id} (spec-valid, but no key may start with '.') -> 404 KeyNotFoundException, never a key of the directory's own files`, async () => {
    const t = createTestApp();
    const { kmsKeyArn: _unused, ...requestMetadata } = kmsMetadata('CreateKey');
    assertXksError(await signedRequest(t.app, metadataPath(id), { requestMetadata }), 404, 'KeyNotFoundException');
  });
}

test('routing: key id with every allowed character class -> 200 for a key that has it', async () => {
  const id = 'Key_1.a-Z9';
  const t = createTestApp({ keys: [testKey(id)] });
  const { kmsKeyArn: _unused, ...requestMetadata } = kmsMetadata('CreateKey');
  assertOk(await signedRequest(t.app, metadataPath(id), { requestMetadata }));
});

test('routing: configured prefix /tenant-a -> 200 under the prefix, 404 InvalidUriPathException without it', async () => {
  const t = createTestApp({ uriPrefix: '/tenant-a' });
  assertOk(await signedRequest(t.app, `/tenant-a${HEALTH}`, healthBody));
  assertXksError(await signedRequest(t.app, HEALTH, healthBody), 404, 'InvalidUriPathException');
  assertXksError(await signedRequest(t.app, `/tenant-b${HEALTH}`, healthBody), 404, 'InvalidUriPathException');
  assertXksError(await signedRequest(t.app, `/tenant-a/extra${HEALTH}`, healthBody), 404, 'InvalidUriPathException');
  assertXksError(await signedRequest(t.app, `/TENANT-A${HEALTH}`, healthBody), 404, 'InvalidUriPathException');
});

test('routing: configured multi-segment prefix /org_1/tenant-a -> 200 for a key operation', async () => {
  const t = createTestApp({ uriPrefix: '/org_1/tenant-a' });
  const { kmsKeyArn: _unused, ...requestMetadata } = kmsMetadata('CreateKey');
  assertOk(await signedRequest(t.app, metadataPath('key-1', '/org_1/tenant-a'), { requestMetadata }));
  assertXksError(await signedRequest(t.app, metadataPath('key-1', '/tenant-a'), { requestMetadata }), 404, 'InvalidUriPathException');
});

test('ping: GET /ping without authentication -> 200 {"status":"ok"} and nothing else', async () => {
  const t = createTestApp();
  const res = await request(t.app).get('/ping');
  assert.equal(res.status, 200);
  assertJsonContentType(res);
  assert.equal(res.text, '{"status":"ok"}');
  // spec A17: reveals nothing: no framework banner, no etag, no server identity.
  const allowed = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);
  assert.deepEqual(
    Object.keys(res.headers).filter((h) => !allowed.has(h)),
    [],
  );
});

test('ping: POST /ping -> 404 InvalidUriPathException', async () => {
  const t = createTestApp();
  assertXksError(await request(t.app).post('/ping').send('{}'), 404, 'InvalidUriPathException');
});

test('routing: no response carries X-Powered-By or ETag', async () => {
  const t = createTestApp();
  for (const res of [await signedRequest(t.app, HEALTH, healthBody), await request(t.app).get(HEALTH), await request(t.app).get('/nope')]) {
    assert.equal(res.headers['x-powered-by'], undefined);
    assert.equal(res.headers.etag, undefined);
  }
});
