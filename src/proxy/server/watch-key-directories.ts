import { watch, type FSWatcher } from 'node:fs';
import type { KeyStoreConfig } from '../config/load-config.js';
import { applyKeyOverrides, type ProxyRuntime } from '../http/proxy-runtime.js';
import type { KeyStore } from '../keystore/key-store.js';
import type { Logger } from '../../logging/create-logger.js';
import type { RuntimeHolder } from './runtime-holder.js';

/**
 * How a running proxy picks up `xks keys` changes without a restart: it watches each key store's directory
 * (fs.watch, debounced) and, on a change to a key file, reloads that store's keys and swaps in a new runtime
 * (requests in flight keep the runtime they started with). Dot-entries (temporary files, the lock, `.health/`) are
 * ignored. A configuration reload (SIGHUP) is a separate mechanism that rebuilds everything; after any swap
 * `resync()` aligns the watched directories with the current configuration.
 */
export interface KeyDirectoryWatcher {
  resync(): void;
  close(): void;
}

export function watchKeyDirectories(deps: {
  readonly holder: RuntimeHolder;
  /** `previous`: the keys the store served until now (as the files held them), for keeping last good versions. */
  readonly loadKeys: (store: KeyStoreConfig, previous: KeyStore) => KeyStore;
  readonly logger: Logger;
  readonly debounceMs?: number;
  /**
   * After a directory's keys were reloaded: the deep health check runs again at once, so a directory that came back
   * is not reported by the failed check it left behind (until the next tick, up to healthCheck.intervalMs later).
   */
  readonly onReloaded?: () => void;
}): KeyDirectoryWatcher {
  const debounceMs = deps.debounceMs ?? 200;
  /** store name -> watcher of its directory */
  const watched = new Map<string, { dir: string; watcher: FSWatcher; timer?: NodeJS.Timeout }>();

  function reload(name: string): void {
    const current = deps.holder.current();
    const entry = [...current.storesByPrefix.entries()].find(([, s]) => s.config.name === name);
    if (entry === undefined) return;
    const [prefix, store] = entry;
    const fileKeys = deps.loadKeys(store.config, store.fileKeys);
    const storesByPrefix = new Map(current.storesByPrefix);
    storesByPrefix.set(prefix, { ...store, keys: applyKeyOverrides(fileKeys, store.config.keys), fileKeys });
    const next: ProxyRuntime = Object.freeze({ ...current, storesByPrefix });
    deps.holder.swap(next, `key directory of ${name} changed`);
    deps.onReloaded?.();
  }

  function schedule(name: string): void {
    const w = watched.get(name);
    if (w === undefined) return;
    if (w.timer !== undefined) clearTimeout(w.timer);
    w.timer = setTimeout(() => {
      w.timer = undefined;
      try {
        reload(name);
      } catch (error) {
        deps.logger.error({ keyStore: name, err: error }, 'key directory reload failed');
      }
    }, debounceMs);
    w.timer.unref();
  }

  function unwatch(name: string): void {
    const w = watched.get(name);
    if (w === undefined) return;
    if (w.timer !== undefined) clearTimeout(w.timer);
    w.watcher.close();
    watched.delete(name);
  }

  function resync(): void {
    const stores = deps.holder.current().config.keyStores;
    for (const name of [...watched.keys()]) {
      const store = stores.find((s) => s.name === name);
      if (store === undefined || store.keyDirectory !== watched.get(name)?.dir) unwatch(name);
    }
    for (const store of stores) {
      const dir = store.keyDirectory;
      if (watched.has(store.name) || dir === undefined) continue;
      try {
        const watcher = watch(dir, { persistent: false }, (_event, filename) => {
          if (filename !== null && filename.startsWith('.')) return;
          schedule(store.name);
        });
        watcher.on('error', (error) => {
          deps.logger.warn({ keyStore: store.name, err: error }, 'key directory watch failed; changes need a reload');
          unwatch(store.name);
        });
        watched.set(store.name, { dir, watcher });
      } catch (error) {
        deps.logger.warn({ keyStore: store.name, dir: store.keyDirectory, code: (error as NodeJS.ErrnoException).code }, 'cannot watch key directory; changes need a reload');
      }
    }
  }

  resync();
  return {
    resync,
    close() {
      for (const name of [...watched.keys()]) unwatch(name);
    },
  };
}
