import type { KeyOverride, KeyStoreConfig, ProxyConfig } from '../config/load-config.js';
import type { KeyBackend } from '../keystore/key-backend.js';
import { createMemoryKeyStore, type KeyStore } from '../keystore/key-store.js';
import { createSigningKeyCache, type SigningKeyCache } from '../../sigv4/index.js';
import type { EkmHealthStatus } from '../../xks/wire-types.js';

/** What one key store serves, resolved once per (re)load. Closed over by the request handler, never global. */
export interface StoreRuntime {
  readonly config: KeyStoreConfig;
  /** What is served: the key files' keys with the configuration's overrides applied. */
  readonly keys: KeyStore;
  /** The keys as the files hold them (before overrides): what the next reload compares with and keeps from. */
  readonly fileKeys: KeyStore;
  /** access key id -> secret (spec A12 / C67: one secret per id). */
  readonly secrets: ReadonlyMap<string, string>;
  readonly regions: ReadonlySet<string>;
  readonly signingKeyCache: SigningKeyCache;
  /** The store's own key backend (PKCS#11), long-lived across reloads; absent: the file backend over `keys`. */
  readonly backend?: KeyBackend;
}

export interface ProxyRuntime {
  readonly config: ProxyConfig;
  /** uriPrefix ('' or '/a/b') -> store */
  readonly storesByPrefix: ReadonlyMap<string, StoreRuntime>;
}

/** Config-level overrides (keyStatus / keyUsage) win over the key file: the single-key kill switch. */
export function applyKeyOverrides(store: KeyStore, overrides: Readonly<Record<string, KeyOverride>>): KeyStore {
  if (Object.keys(overrides).length === 0) return store;
  const keys = store.listKeys().map((key) => {
    const o = Object.hasOwn(overrides, key.externalKeyId) ? overrides[key.externalKeyId] : undefined;
    if (o === undefined) return key;
    return Object.freeze({ ...key, keyStatus: o.keyStatus ?? key.keyStatus, keyUsage: Object.freeze([...(o.keyUsage ?? key.keyUsage)]) });
  });
  return createMemoryKeyStore(keys, { problems: store.problems, available: store.available, retained: store.retained });
}

/** `backendOf`: a store's own key backend (PKCS#11 stores, docs/hsm.md); absent: the file backend over its keys. */
export function buildRuntime(config: ProxyConfig, loadKeys: (store: KeyStoreConfig) => KeyStore, backendOf?: (store: KeyStoreConfig) => KeyBackend | undefined): ProxyRuntime {
  const storesByPrefix = new Map<string, StoreRuntime>();
  for (const store of config.keyStores) {
    const fileKeys = loadKeys(store);
    const backend = backendOf?.(store);
    storesByPrefix.set(store.uriPrefix, {
      ...(backend !== undefined && { backend }),
      config: store,
      keys: applyKeyOverrides(fileKeys, store.keys),
      fileKeys,
      secrets: new Map(store.credentials.map((c) => [c.accessKeyId, c.secretAccessKey] as const)),
      regions: new Set(store.regions),
      signingKeyCache: createSigningKeyCache(64),
    });
  }
  return Object.freeze({ config, storesByPrefix });
}

/** The shallow health of an in-process key manager: can its keys be read, did every key file load. */
export function keyStoreHealth(keys: KeyStore): EkmHealthStatus {
  if (!keys.available) return 'UNAVAILABLE';
  return keys.problems.length > 0 ? 'DEGRADED' : 'ACTIVE';
}
