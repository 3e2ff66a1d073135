import { resolve } from 'node:path';
import { ensureDevSetup, type DevSetup } from '../config/dev-setup.js';
import { loadConfigFile, type KeyStoreConfig, type ProxyConfig } from '../config/load-config.js';
import { secureRandomBytes } from '../crypto/random.js';
import { CONFIG_ENV_VAR, type CliContext } from './cli-context.js';

export interface ResolvedConfig {
  readonly config: ProxyConfig;
  /** Present when the embedded dev default is in use. */
  readonly dev?: DevSetup;
}

/** --config, else $XKS_CONFIG, else the embedded dev default (generated under ./keys/dev on first use). */
export function resolveConfig(ctx: CliContext, configOption: string | undefined, allowDevDefault: boolean): ResolvedConfig {
  const path = configOption ?? ctx.env[CONFIG_ENV_VAR];
  if (path !== undefined && path !== '') return { config: loadConfigFile(resolve(ctx.cwd, path), { env: ctx.env }) };
  if (!allowDevDefault) throw new Error(`no configuration: pass --config FILE or set ${CONFIG_ENV_VAR}`);
  const dev = ensureDevSetup(ctx.cwd, secureRandomBytes);
  return { config: loadConfigFile(dev.configPath, { env: ctx.env }), dev };
}

/** The key store a command works on: the one named, or the only one. */
export function selectKeyStore(config: ProxyConfig, name: string | undefined): KeyStoreConfig {
  const stores = config.keyStores;
  const store = name === undefined ? (stores.length === 1 ? stores[0] : undefined) : stores.find((s) => s.name === name);
  if (store === undefined) {
    const names = stores.map((s) => s.name).join(', ');
    throw new Error(
      name === undefined ? `the configuration has ${stores.length} key stores; choose one with --store (${names})` : `no key store named ${name} (have: ${names})`,
    );
  }
  return store;
}
