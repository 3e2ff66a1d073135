/**
 * One table, two backends: every case of test/support/backend-matrix.ts against the key files (in memory) and against
 * a real SoftHSM2 token made for the case (its own SOFTHSM2_CONF). HSM keys: key-1 and key-disabled from OpenSC's
 * pkcs11-tool; the usage-restricted ones from the backend's createKey (what `xks keys create` runs); key-disabled is
 * DISABLED by the configuration's `keys` override (docs/hsm.md "DISABLED").
 */
import { test } from 'node:test';
import { openPkcs11KeyBackend } from '../../../src/proxy/keystore/pkcs11/pkcs11-key-backend.js';
import { BACKEND_MATRIX } from '../../support/backend-matrix.js';
import { createSoftHsmToken, softHsmMissing } from '../../support/softhsm.js';
import { createTestApp, testConfig } from '../../support/test-app.js';

const missing = softHsmMissing();

for (const c of BACKEND_MATRIX) {
  test(`key files: ${c.name}`, async () => {
    await c.run(createTestApp());
  });

  test(`PKCS#11 (SoftHSM): ${c.name}`, { skip: missing }, async () => {
    const token = createSoftHsmToken();
    process.env['SOFTHSM2_CONF'] = token.conf;
    const store = { keyDirectory: undefined, pkcs11: token.configBlock(), keys: { 'key-disabled': { keyStatus: 'DISABLED' } } };
    const pkcs11 = testConfig({ store }).keyStores[0]?.pkcs11;
    if (pkcs11 === undefined) throw new Error('test config has no pkcs11 block');
    token.keygen('key-1');
    token.keygen('key-disabled');
    const backend = openPkcs11KeyBackend(pkcs11);
    try {
      await backend.createKey('key-encrypt-only', { encrypt: true, decrypt: false });
      await backend.createKey('key-decrypt-only', { encrypt: false, decrypt: true });
      await backend.createKey('key-no-usage', { encrypt: false, decrypt: false });
      await c.run(createTestApp({ store, backend }));
    } finally {
      await backend.close();
      token.cleanup();
    }
  });
}
