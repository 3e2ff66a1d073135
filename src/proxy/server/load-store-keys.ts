import type { KeyStoreConfig } from '../config/load-config.js';
import type { KeyCodecRegistry } from '../keystore/key-codec-registry.js';
import { createMemoryKeyStore, type KeyLoadProblem, type KeyStore } from '../keystore/key-store.js';
import { loadKeyDirectory } from '../keystore/load-key-directory.js';
import { retainLastGood } from '../keystore/retain-last-good.js';
import type { Logger } from '../../logging/create-logger.js';

const sameProblem = (a: KeyLoadProblem) => (b: KeyLoadProblem) => a.file === b.file && a.message === b.message;

/**
 * Load one key store's directory (unwrapping files encrypted at rest) for a start or a reload. `previous` is what the
 * store served until now: a key whose file went bad keeps its last good version (retainLastGood). What changed is
 * logged once (never the material): a new problem, a key served from memory, a key back from its file, a key
 * removed because its file is gone. Permission warnings are logged at every load.
 */
export function loadStoreKeys(
  store: KeyStoreConfig,
  deps: { logger: Logger; codecs: KeyCodecRegistry; clock: () => number },
  previous?: KeyStore,
): KeyStore {
  const { logger } = deps;
  // An HSM store (pkcs11): no key files; its keys are looked up in the token by its key backend (docs/hsm.md).
  if (store.keyDirectory === undefined) return createMemoryKeyStore([]);
  const { store: fresh, warnings } = loadKeyDirectory(store.keyDirectory, { codec: deps.codecs.codecFor(store) });
  const keys = retainLastGood(fresh, previous, store.keyDirectory, new Date(deps.clock()).toISOString());
  for (const w of warnings) logger.warn({ keyStore: store.name, file: w.file }, w.message);
  for (const p of keys.problems) {
    if (previous?.problems.some(sameProblem(p)) === true) continue;
    const retained = keys.retained.filter((r) => r.file === p.file).map((r) => r.externalKeyId);
    if (retained.length > 0) {
      logger.warn({ keyStore: store.name, file: p.file, externalKeyIds: retained }, `key file unreadable or invalid: ${p.message}; serving the last good version from memory`);
    } else {
      logger.error({ keyStore: store.name, file: p.file }, `key file not loaded: ${p.message}`);
    }
  }
  for (const key of previous?.listKeys() ?? []) {
    const id = key.externalKeyId;
    const wasRetained = previous?.retained.some((r) => r.externalKeyId === id) === true;
    if (keys.getKey(id) === undefined) {
      logger.info({ keyStore: store.name, externalKeyId: id }, 'key removed from service: its key file is gone');
    } else if (wasRetained && !keys.retained.some((r) => r.externalKeyId === id)) {
      logger.info({ keyStore: store.name, externalKeyId: id }, 'key file readable again; the key is served from its file');
    }
  }
  logger.info({ keyStore: store.name, uriPath: store.uriPath, keys: keys.listKeys().length, servedFromMemory: keys.retained.length }, 'key store loaded');
  return keys;
}
