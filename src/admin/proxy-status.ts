import type { ProxyRuntime } from '../http/proxy-runtime.js';
import { keyStoreHealth } from '../http/proxy-runtime.js';
import type { CredentialUsage } from '../usage/credential-usage.js';

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
  /** Filled by the credential-usage tracker (issue: credential rotation). */
  readonly credentials: readonly { readonly accessKeyId: string; readonly lastUsedAt?: string; readonly requestCount?: number }[];
  /** Kill switch (docs/transport-security.md): present when the store is blocked, with who/when/why. */
  readonly blocked?: { readonly by: string; readonly at: string; readonly reason?: string };
  /** Keys disabled by a configuration override, with who/when/why when given. */
  readonly disabledKeys?: readonly { readonly externalKeyId: string; readonly by?: string; readonly at?: string; readonly reason?: string }[];
}

export interface ProxyStatus {
  readonly configSource: string;
  readonly loadedAt: string;
  readonly loadReason: string;
  readonly keyStores: readonly KeyStoreStatus[];
}

export function buildProxyStatus(runtime: ProxyRuntime, loaded: { at: number; reason: string }, usage?: CredentialUsage): ProxyStatus {
  return {
    configSource: runtime.config.source,
    loadedAt: new Date(loaded.at).toISOString(),
    loadReason: loaded.reason,
    keyStores: [...runtime.storesByPrefix.values()].map((store) => ({
      name: store.config.name,
      uriPath: store.config.uriPath,
      keys: store.keys.listKeys().length,
      keyFileProblems: store.keys.problems,
      health: store.config.blocked !== undefined ? 'BLOCKED' : keyStoreHealth(store.keys),
      credentials: store.config.credentials.map((c) => {
        const use = usage?.get(store.config.name, c.accessKeyId);
        return { accessKeyId: c.accessKeyId, ...(use !== undefined && { lastUsedAt: new Date(use.lastUsedAt).toISOString(), requestCount: use.requestCount }) };
      }),
      ...(store.config.blocked !== undefined && { blocked: store.config.blocked }),
      disabledKeys: Object.entries(store.config.keys)
        .filter(([, o]) => o.keyStatus === 'DISABLED')
        .map(([externalKeyId, o]) => ({ externalKeyId, by: o.by, at: o.at, reason: o.reason })),
    })),
  };
}
