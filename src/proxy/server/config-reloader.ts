import { ConfigError, type ProxyConfig } from '../config/load-config.js';
import type { Logger } from '../../logging/create-logger.js';
import { TlsConfigError } from '../transport/create-listener.js';
import type { RunningProxy } from './start-proxy.js';
import { watchFiles } from './watch-files.js';

/** How long file events are gathered before one reload (editors write a file in several steps). */
export const DEFAULT_RELOAD_DEBOUNCE_MS = 250;

export interface ConfigReloader {
  /** Load and install the configuration now; false (and the old configuration keeps serving) when it is bad. */
  reload(reason: string): boolean;
  close(): void;
}

/**
 * The files whose change triggers a reload: the configuration, credentials' secret files (the dev default keeps its
 * secret in one), TLS certificates/keys/CA, authorization policies.
 */
export function filesToWatch(config: ProxyConfig): string[] {
  const files = [config.source];
  for (const store of config.keyStores) for (const c of store.credentials) if (c.secretFile !== undefined) files.push(c.secretFile);
  const tls = config.listen.tls;
  if (tls !== undefined) files.push(tls.certFile, tls.keyFile, ...(tls.clientAuth === undefined ? [] : [tls.clientAuth.caFile]));
  for (const store of config.keyStores) if (store.authorization !== undefined) files.push(store.authorization.file);
  return files;
}

/**
 * spec A12 / C57: configuration changes (credentials, kill switches, quotas, policies, certificates) apply without
 * a restart, on SIGHUP or when a watched file changes. A bad configuration is rejected with every problem logged,
 * and the running one keeps serving.
 */
export function createConfigReloader(options: {
  load: () => ProxyConfig;
  proxy: Pick<RunningProxy, 'reload' | 'credentialUsage' | 'runtime'>;
  initial: ProxyConfig;
  logger: Logger;
  watch: boolean;
  debounceMs?: number;
  clock?: () => number;
  /** Report a rejected reload here instead of logging it (a fleet worker: the primary logs it once for all). */
  onRejected?: (reason: string, problems: readonly string[]) => void;
}): ConfigReloader {
  const { logger, proxy } = options;
  let stopWatching: (() => void) | undefined;
  let closed = false;
  const rewatch = (config: ProxyConfig) => {
    stopWatching?.();
    stopWatching = undefined;
    if (!options.watch || closed || config.source === 'test') return;
    stopWatching = watchFiles(filesToWatch(config), (changed) => reload(`file change: ${changed.join(', ')}`), options.debounceMs ?? DEFAULT_RELOAD_DEBOUNCE_MS);
  };

  function reload(reason: string): boolean {
    let next: ProxyConfig;
    try {
      next = options.load();
      proxy.reload(next, reason);
    } catch (error) {
      const problems = error instanceof ConfigError || error instanceof TlsConfigError ? error.problems : [error instanceof Error ? error.message : String(error)];
      proxy.runtime.recordRejectedReload({ at: (options.clock ?? Date.now)(), reason, problems });
      if (options.onRejected !== undefined) {
        options.onRejected(reason, problems);
        return false;
      }
      logger.error({ reason, problems }, 'configuration reload rejected; the previous configuration keeps serving');
      return false;
    }
    logger.info(
      {
        reason,
        source: next.source,
        keyStores: next.keyStores.map((s) => ({
          name: s.name,
          blocked: s.blocked !== undefined,
          credentials: s.credentials.map((c) => {
            const use = proxy.credentialUsage.get(s.name, c.accessKeyId);
            return { accessKeyId: c.accessKeyId, lastUsedAt: use === undefined ? null : new Date(use.lastUsedAt).toISOString(), requestCount: use?.requestCount ?? 0 };
          }),
        })),
      },
      'configuration reloaded',
    );
    rewatch(next);
    return true;
  }

  rewatch(options.initial);
  return {
    reload,
    close() {
      closed = true;
      stopWatching?.();
    },
  };
}
