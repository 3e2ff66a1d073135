/**
 * Encrypt with a CDIV on an HSM store (spec A9): the encrypt, the CDIV and the check-decrypt are one backend call
 * (KeyBackend.encryptChecked), run in an HSM thread. Through the fault shim over a real SoftHSM2 token: an HSM that
 * decrypts wrongly without an error fails the check, Encrypt retries once and then refuses with InternalException,
 * never returning ciphertext it could not read back; the CDIV of a good answer is the one KMS recomputes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeCdiv } from '../../../src/xks/cdiv.js';
import { openPkcs11KeyBackend } from '../../../src/proxy/keystore/pkcs11/pkcs11-key-backend.js';
import { assertOk, assertXksError, decryptBody, encryptBody, encryptPath, fromB64, type EncryptOutput } from '../../support/http-assertions.js';
import { faultShim, faultShimMissing } from '../../support/pkcs11-fault-shim.js';
import { createSoftHsmToken } from '../../support/softhsm.js';
import { createTestApp, signedRequest, testConfig } from '../../support/test-app.js';

const missing = faultShimMissing();
const PLAINTEXT = Buffer.from('checked by decrypting it again, in the HSM');

test('HSM store: Encrypt with a CDIV -> 200, the CDIV matches the answer; an HSM that decrypts wrongly -> check fails twice -> 500 InternalException; healthy again -> 200', { skip: missing, timeout: 60_000 }, async () => {
  const shim = faultShim();
  const token = createSoftHsmToken();
  process.env['SOFTHSM2_CONF'] = token.conf;
  token.keygen('key-1');
  const store = { keyDirectory: undefined, pkcs11: { ...token.configBlock(), module: shim.modulePath } };
  const pkcs11 = testConfig({ store }).keyStores[0]?.pkcs11;
  if (pkcs11 === undefined) throw new Error('test config has no pkcs11 block');
  const backend = openPkcs11KeyBackend(pkcs11);
  try {
    const t = createTestApp({ store, backend });
    const aad = Buffer.from('encryption context');
    const body = encryptBody(PLAINTEXT, { additionalAuthenticatedData: aad.toString('base64'), ciphertextDataIntegrityValueAlgorithm: 'SHA_256' });
    const out = assertOk(await signedRequest(t.app, encryptPath('key-1'), body)) as unknown as EncryptOutput;
    const expected = computeCdiv({ aad, metadata: fromB64(out.ciphertextMetadata ?? ''), iv: fromB64(out.initializationVector), ciphertext: fromB64(out.ciphertext), tag: fromB64(out.authenticationTag) });
    assert.equal(out.ciphertextDataIntegrityValue, expected);
    const back = assertOk(await signedRequest(t.app, `/kms/xks/v1/keys/key-1/decrypt`, decryptBody(out, { additionalAuthenticatedData: aad.toString('base64') })));
    assert.equal(Buffer.from(String(back['plaintext']), 'base64').toString(), PLAINTEXT.toString());

    shim.set('corrupt-decrypt');
    assertXksError(await signedRequest(t.app, encryptPath('key-1'), body), 500, 'InternalException');
    assert.equal(backend.stats().deviceErrors, 0, 'a failed check is not a device error');
    // Without a CDIV there is no check-decrypt: Encrypt still answers (the HSM's encrypt is fine).
    assertOk(await signedRequest(t.app, encryptPath('key-1'), encryptBody(PLAINTEXT)));

    shim.set('ok');
    assertOk(await signedRequest(t.app, encryptPath('key-1'), body));
  } finally {
    shim.cleanup();
    await backend.close();
    token.cleanup();
  }
});
