/**
 * The PKCS#11 backend opened on a fresh SoftHSM2 token (test/support/softhsm.ts), for the backend's own tests: each
 * backend opened through `open` is closed, and the token removed, when `run` ends.
 */
import type { Pkcs11Config } from '../../src/proxy/keystore/pkcs11/pkcs11-config.js';
import { openPkcs11KeyBackend, type Pkcs11KeyBackend } from '../../src/proxy/keystore/pkcs11/pkcs11-key-backend.js';
import { createSoftHsmToken, type SoftHsmToken } from './softhsm.js';

/** The backend's configuration for this token: the schema's defaults, except 4 sessions. */
export function configFor(token: SoftHsmToken, extra: Partial<Pkcs11Config> = {}): Pkcs11Config {
  return { module: token.module, tokenLabel: token.tokenLabel, pin: token.pin, pinSource: token.pinFile, ivGeneration: 'proxy', sessions: 4, threads: 4, callTimeoutMs: 200, keyCacheMs: 2000, sessionCopies: true, ...extra };
}

export async function withToken(run: (token: SoftHsmToken, open: (extra?: Partial<Pkcs11Config>) => Pkcs11KeyBackend) => Promise<void>): Promise<void> {
  const token = createSoftHsmToken();
  process.env['SOFTHSM2_CONF'] = token.conf;
  const opened: Pkcs11KeyBackend[] = [];
  try {
    await run(token, (extra = {}) => {
      const b = openPkcs11KeyBackend(configFor(token, extra), {});
      opened.push(b);
      return b;
    });
  } finally {
    for (const b of opened) await b.close();
    token.cleanup();
  }
}
