import assert from 'node:assert/strict';
import { test } from 'node:test';
import { b64, createTestApp, kmsMetadata, signedRequest } from '../helpers/test-app.js';

test('smoke: encrypt then decrypt through the app round-trips', async () => {
  const t = createTestApp();
  const enc = await signedRequest(t.app, '/kms/xks/v1/keys/key-1/encrypt', {
    requestMetadata: kmsMetadata('Encrypt'),
    plaintext: b64('hello'),
    encryptionAlgorithm: 'AES_GCM',
    ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
  });
  assert.equal(enc.status, 200, JSON.stringify(enc.body));
  const dec = await signedRequest(t.app, '/kms/xks/v1/keys/key-1/decrypt', {
    requestMetadata: kmsMetadata('Decrypt'),
    encryptionAlgorithm: 'AES_GCM',
    ciphertext: enc.body.ciphertext,
    ciphertextMetadata: enc.body.ciphertextMetadata,
    initializationVector: enc.body.initializationVector,
    authenticationTag: enc.body.authenticationTag,
  });
  assert.equal(dec.status, 200, JSON.stringify(dec.body));
  assert.equal(Buffer.from(dec.body.plaintext, 'base64').toString(), 'hello');
  assert.equal(dec.headers['content-type'], 'application/json');
});
