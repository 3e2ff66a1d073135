import assert from 'node:assert/strict';
import { test } from 'node:test';
import { b64, createTestApp, kmsMetadata, signedRequest, testKey } from '../../support/test-app.js';

const KEYS = [testKey('foo'), testKey('bar'), testKey('outside')];

const call = (t: ReturnType<typeof createTestApp>, id: string, op: 'metadata' | 'encrypt') =>
  signedRequest(
    t.app,
    `/kms/xks/v1/keys/${id}/${op}`,
    op === 'metadata' ? { requestMetadata: kmsMetadata('DescribeKey') } : { requestMetadata: kmsMetadata('Encrypt'), plaintext: b64('x'), encryptionAlgorithm: 'AES_GCM' },
  );

test('allowedKeyIds: a listed key is served; a key with a file but not listed -> 404 KeyNotFoundException on GetKeyMetadata, Encrypt and Decrypt', async () => {
  const open = createTestApp({ keys: KEYS });
  const enc = await call(open, 'outside', 'encrypt');
  assert.equal(enc.status, 200, 'served without an allow-list');
  const t = createTestApp({ keys: KEYS, store: { allowedKeyIds: ['foo', 'bar'] } });
  for (const id of ['foo', 'bar']) {
    assert.equal((await call(t, id, 'metadata')).status, 200, id);
    assert.equal((await call(t, id, 'encrypt')).status, 200, id);
  }
  for (const op of ['metadata', 'encrypt'] as const) {
    const res = await call(t, 'outside', op);
    assert.equal(res.status, 404, op);
    assert.equal(res.body.errorName, 'KeyNotFoundException', op);
  }
  const dec = await signedRequest(t.app, '/kms/xks/v1/keys/outside/decrypt', {
    requestMetadata: kmsMetadata('Decrypt'),
    encryptionAlgorithm: 'AES_GCM',
    ciphertext: enc.body.ciphertext,
    ciphertextMetadata: enc.body.ciphertextMetadata,
    initializationVector: enc.body.initializationVector,
    authenticationTag: enc.body.authenticationTag,
  });
  assert.equal(dec.status, 404);
  assert.equal(dec.body.errorName, 'KeyNotFoundException');
});

test('allowedKeyIds: [] serves no key; an id of the wrong shape is a configuration problem', async () => {
  const none = createTestApp({ keys: KEYS, store: { allowedKeyIds: [] } });
  assert.equal((await call(none, 'foo', 'metadata')).body.errorName, 'KeyNotFoundException');
  assert.throws(() => createTestApp({ keys: KEYS, store: { allowedKeyIds: ['no spaces'] } }), /allowedKeyIds\.0: externalKeyId must be 1-128 chars/);
});
