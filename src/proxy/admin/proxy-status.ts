import type { StoreHealthSnapshot } from '../health/health-monitor.js';
import type { ProxyRuntime, StoreRuntime } from '../http/proxy-runtime.js';
import { keyStoreHealth } from '../http/proxy-runtime.js';
import type { CredentialUsage } from '../usage/credential-usage.js';
import type { RefusalReason } from '../http/refusal-counters.js';
import type { KeyBackendKind, KeyBackendStats } from '../keystore/key-backend.js';

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
  /** Kill switch (docs/operations.md): present when the store is blocked, with who/when/why. */
  readonly blocked?: { readonly by: string; readonly at: string; readonly reason?: string };
  /** Keys served from memory (last good version) because their file or directory went bad after loading. */
  readonly servedFromMemory: readonly { readonly externalKeyId: string; readonly file: string; readonly message: string; readonly since: string }[];
  /** Where the keys are: the key files, or an HSM token through PKCS#11 with its pool and error counters (docs/hsm.md). */
  readonly backend?: { readonly kind: KeyBackendKind } & KeyBackendStats;
  /** Keys disabled by a configuration override, with who/when/why when given. */
  readonly disabledKeys?: readonly { readonly externalKeyId: string; readonly by?: string; readonly at?: string; readonly reason?: string }[];
}

/** One worker of `xks serve --workers N` (docs/operations.md): its own view, as it answered the primary. */
export interface WorkerStatus {
  readonly id: number;
  readonly pid: number;
  readonly startedAt: string;
  /** How many times this worker slot was restarted after its worker died. */
  readonly restarts: number;
  readonly status?: ProxyStatus;
  /** Why the worker gave no status (starting, not answering). */
  readonly error?: string;
}

export interface ProxyStatus {
  /** The process to signal (SIGHUP reloads, SIGTERM/SIGINT stop): the node process itself, or the fleet's primary. */
  readonly pid?: number;
  readonly configSource: string;
  readonly loadedAt: string;
  readonly loadReason: string;
  /** The last configuration reload refused since one last succeeded: the configuration above keeps serving. */
  readonly rejectedReload?: { readonly at: string; readonly reason: string; readonly problems: readonly string[] };
  readonly keyStores: readonly KeyStoreStatus[];
  /** Refusals by limit since start (docs/operations.md "Refusal counters"). */
  readonly refusals?: Readonly<Record<RefusalReason, number>>;
  /** With --workers: every worker's own status; the fields above then merge them (worst health, latest use). */
  readonly workers?: readonly WorkerStatus[];
  /** Requests the admin listener refused for their Host header (DNS rebinding), since it started. */
  readonly refusedHosts?: number;
}

export function buildProxyStatus(
  runtime: ProxyRuntime,
  loaded: { at: number; reason: string; rejected?: { at: number; reason: string; problems: readonly string[] } | undefined },
  sources: { usage?: CredentialUsage; health?: (store: StoreRuntime) => StoreHealthSnapshot; refusals?: () => Readonly<Record<RefusalReason, number>> } = {},
): ProxyStatus {
  return {
    ...(sources.refusals !== undefined && { refusals: sources.refusals() }),
    configSource: runtime.config.source,
    loadedAt: new Date(loaded.at).toISOString(),
    loadReason: loaded.reason,
    ...(loaded.rejected !== undefined && {
      rejectedReload: { at: new Date(loaded.rejected.at).toISOString(), reason: loaded.rejected.reason, problems: loaded.rejected.problems },
    }),
    keyStores: [...runtime.storesByPrefix.values()].map((store) => {
      const healthCheck = sources.health?.(store);
      const { blocked } = store.config;
      return {
        name: store.config.name,
        uriPath: store.config.uriPath,
        keys: store.keys.listKeys().length,
        keyFileProblems: store.keys.problems,
        servedFromMemory: store.keys.retained,
        health: blocked !== undefined ? 'BLOCKED' : (healthCheck?.healthStatus ?? keyStoreHealth(store.keys)),
        ...(healthCheck !== undefined && { healthCheck }),
        credentials: store.config.credentials.map((c) => {
          const use = sources.usage?.get(store.config.name, c.accessKeyId);
          return {
            accessKeyId: c.accessKeyId,
            ...(use !== undefined && { lastUsedAt: new Date(use.lastUsedAt).toISOString(), requestCount: use.requestCount }),
          };
        }),
        ...(blocked !== undefined && { blocked }),
        backend: store.backend === undefined ? { kind: 'keyDirectory' as const } : { kind: store.backend.kind, ...store.backend.stats() },
        disabledKeys: Object.entries(store.config.keys)
          .filter(([, o]) => o.keyStatus === 'DISABLED')
          .map(([externalKeyId, o]) => ({ externalKeyId, by: o.by, at: o.at, reason: o.reason })),
      };
    }),
  };
}
