/**
 * An in-process proxy started with startProxy from a real configuration file in a temporary directory, with an
 * in-memory log sink: for TLS, reload and limit tests that need a real listener but not a child process.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadConfigFile, type ProxyConfig } from '../../src/proxy/config/load-config.js';
import type { XksKey } from '../../src/proxy/keystore/key-store.js';
import { createLogger } from '../../src/logging/create-logger.js';
import { createConfigReloader, type ConfigReloader } from '../../src/proxy/server/config-reloader.js';
import { startProxy, type RunningProxy } from '../../src/proxy/server/start-proxy.js';
import { createTempProxyDir, type TempProxyDir } from './proxy-process.js';

export interface InProcessProxy {
  readonly dir: TempProxyDir;
  readonly proxy: RunningProxy;
  readonly config: ProxyConfig;
  readonly reloader: ConfigReloader;
  readonly logs: Record<string, unknown>[];
  readonly rawLogs: string[];
  /** Rewrite config.json (the watcher, when on, reloads it). */
  writeConfig(config: Record<string, unknown>): void;
  /** Resolves when a log line with this msg appears (after `since` lines). */
  waitForLog(msg: string, since?: number, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startInProcessProxy(options: {
  keys: readonly XksKey[];
  /** Config fragments merged over createTempProxyDir's (listen, limits, ...), given the temp dir. */
  config?: (dir: string) => Record<string, unknown>;
  watch?: boolean;
  debounceMs?: number;
}): Promise<InProcessProxy> {
  const dir = createTempProxyDir({ keys: options.keys });
  const base = JSON.parse(readFileSync(dir.configPath, 'utf8')) as Record<string, unknown>;
  const merged = { ...base, ...options.config?.(dir.dir) };
  writeFileSync(dir.configPath, JSON.stringify(merged, null, 2));
  const rawLogs: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const waiters: { msg: string; since: number; resolve: (l: Record<string, unknown>) => void }[] = [];
  const config = loadConfigFile(dir.configPath);
  const logger = createLogger(
    { level: 'debug' },
    {
      write(line: string) {
        rawLogs.push(line);
        const parsed = JSON.parse(line) as Record<string, unknown>;
        logs.push(parsed);
        for (const w of [...waiters]) {
          if (parsed.msg === w.msg && logs.length > w.since) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(parsed);
          }
        }
      },
    },
  );
  const proxy = await startProxy({ config, logger });
  const reloader = createConfigReloader({
    load: () => loadConfigFile(dir.configPath),
    proxy,
    initial: config,
    logger,
    watch: options.watch ?? false,
    debounceMs: options.debounceMs ?? 50,
  });
  return {
    dir,
    proxy,
    config,
    reloader,
    logs,
    rawLogs,
    writeConfig: (c) => writeFileSync(dir.configPath, JSON.stringify(c, null, 2)),
    waitForLog(msg, since = 0, timeoutMs = 30_000) {
      const found = logs.slice(since).find((l) => l.msg === msg);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no log line "${msg}" within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ msg, since, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
    async stop() {
      reloader.close();
      await proxy.close();
      dir.cleanup();
    },
  };
}
