import type { StoreHealthSnapshot } from '../health/health-monitor.js';
import type { ProxyRuntime, StoreRuntime } from '../http/proxy-runtime.js';
import { keyStoreHealth } from '../http/proxy-runtime.js';

/**
 * What `xks status` shows about a running proxy, served by the admin listener (GET /status, loopback only).
 * Never contains secrets or key material. Sections are added by the subsystems that own the data.
 */
export interface KeyStoreStatus {
  readonly name: string;
  readonly uriPath: string;
  readonly keys: number;
  readonly keyFileProblems: readonly { readonly file: string; readonly message: string }[];
  readonly health: string;
  /** The deep health check (cache age, duration, last error), when a health monitor runs. */
  readonly healthCheck?: StoreHealthSnapshot;
  /** Filled by the credential-usage tracker (issue: credential rotation). */
  readonly credentials: readonly { readonly accessKeyId: string; readonly lastUsedAt?: string; readonly requestCount?: number }[];
}

export interface ProxyStatus {
  readonly configSource: string;
  readonly loadedAt: string;
  readonly loadReason: string;
  readonly keyStores: readonly KeyStoreStatus[];
}

export function buildProxyStatus(
  runtime: ProxyRuntime,
  loaded: { at: number; reason: string },
  sources: { health?: (store: StoreRuntime) => StoreHealthSnapshot } = {},
): ProxyStatus {
  return {
    configSource: runtime.config.source,
    loadedAt: new Date(loaded.at).toISOString(),
    loadReason: loaded.reason,
    keyStores: [...runtime.storesByPrefix.values()].map((store) => {
      const healthCheck = sources.health?.(store);
      return {
        name: store.config.name,
        uriPath: store.config.uriPath,
        keys: store.keys.listKeys().length,
        keyFileProblems: store.keys.problems,
        health: healthCheck?.healthStatus ?? keyStoreHealth(store.keys),
        ...(healthCheck !== undefined && { healthCheck }),
        credentials: store.config.credentials.map((c) => ({ accessKeyId: c.accessKeyId })),
      };
    }),
  };
}
