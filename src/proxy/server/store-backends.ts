import { ConfigError, type KeyStoreConfig, type ProxyConfig } from '../config/load-config.js';
import type { Logger } from '../../logging/create-logger.js';
import { loadPkcs11Binding } from '../keystore/pkcs11/load-binding.js';
import { createPkcs11Modules, type Pkcs11Modules } from '../keystore/pkcs11/pkcs11-modules.js';
import { openPkcs11KeyBackend, type Pkcs11BackendDeps, type Pkcs11KeyBackend } from '../keystore/pkcs11/pkcs11-key-backend.js';
import { Pkcs11SetupError } from '../keystore/pkcs11/setup-error.js';

/**
 * The HSM backends of a running proxy, one per `pkcs11` key store, kept across reloads while the store's block is
 * unchanged (its sessions and cached handles survive). A reload opens what it needs first; any failure (missing
 * module, token label not found, wrong PIN) rejects the reload with a ConfigError naming the field, and the running
 * configuration keeps serving. The binding is loaded only when a store has a `pkcs11` block.
 */
export interface StoreBackends {
  /** Open the backends `config` needs; `commit` installs them and closes the replaced ones, `abort` closes the new ones. */
  prepare(config: ProxyConfig): PreparedBackends;
  current(storeName: string): Pkcs11KeyBackend | undefined;
  all(): readonly { readonly storeName: string; readonly backend: Pkcs11KeyBackend }[];
  close(): Promise<void>;
}

export interface PreparedBackends {
  backendOf(store: KeyStoreConfig): Pkcs11KeyBackend | undefined;
  commit(): void;
  abort(): void;
}

/** Same block (PIN included) -> same backend. */
const identity = (store: KeyStoreConfig): string => JSON.stringify(store.pkcs11);

export function createStoreBackends(deps: { logger: Logger; observeCall?: Pkcs11BackendDeps['observeCall']; modules?: Pkcs11Modules }): StoreBackends {
  let modules = deps.modules;
  let live = new Map<string, { id: string; backend: Pkcs11KeyBackend }>();
  const closeQuietly = (b: Pkcs11KeyBackend) => void b.close().catch(() => undefined);

  return {
    prepare(config) {
      const next = new Map<string, { id: string; backend: Pkcs11KeyBackend }>();
      const opened: Pkcs11KeyBackend[] = [];
      const problems: string[] = [];
      config.keyStores.forEach((store, i) => {
        if (store.pkcs11 === undefined) return;
        const id = identity(store);
        const kept = live.get(store.name);
        if (kept !== undefined && kept.id === id) {
          next.set(store.name, kept);
          return;
        }
        try {
          modules ??= createPkcs11Modules(loadPkcs11Binding());
          const backend = openPkcs11KeyBackend(store.pkcs11, { modules, logger: deps.logger.child({ keyStore: store.name }), ...(deps.observeCall !== undefined && { observeCall: deps.observeCall }) });
          opened.push(backend);
          next.set(store.name, { id, backend });
        } catch (error) {
          const field = error instanceof Pkcs11SetupError ? error.field : 'module';
          problems.push(`keyStores.${i}.pkcs11.${field}: ${(error as Error).message}`);
        }
      });
      if (problems.length > 0) {
        for (const b of opened) closeQuietly(b);
        throw new ConfigError(config.source, problems);
      }
      return {
        backendOf: (store) => next.get(store.name)?.backend,
        commit() {
          for (const [name, entry] of live) {
            if (next.get(name)?.backend !== entry.backend) closeQuietly(entry.backend);
          }
          live = next;
        },
        abort() {
          for (const b of opened) closeQuietly(b);
        },
      };
    },
    current: (storeName) => live.get(storeName)?.backend,
    all: () => [...live].map(([storeName, { backend }]) => ({ storeName, backend })),
    async close() {
      const all = [...live.values()];
      live = new Map();
      await Promise.all(all.map((e) => e.backend.close()));
    },
  };
}
