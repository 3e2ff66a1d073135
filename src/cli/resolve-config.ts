import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { devSetupPaths, ensureDevSetup, findDevSetup, type DevSetup } from '../proxy/config/dev-setup.js';
import { loadConfigFile, type KeyStoreConfig, type ProxyConfig } from '../proxy/config/load-config.js';
import { secureRandomBytes } from '../crypto/random.js';
import { CONFIG_ENV_VAR, type CliContext } from './cli-context.js';

export interface ResolvedConfig {
  readonly config: ProxyConfig;
  /** Present when the dev default is in use. */
  readonly dev?: DevSetup;
}

/** Only `xks serve` and `xks kms --with-proxy` create the dev default; every other command only reads. */
export type ConfigUse = 'read' | 'serve';

/**
 * The one configuration resolution every command uses: --config, else $XKS_CONFIG, else the dev default under
 * ./keys/dev if it exists. Only `use: 'serve'` creates the dev default when there is none, and says so on stderr;
 * a read finds nothing and says how to get a configuration.
 */
export function locateConfig(ctx: CliContext, configOption: string | undefined, use: ConfigUse): { path: string; dev?: DevSetup } {
  const path = configOption ?? ctx.env[CONFIG_ENV_VAR];
  if (path !== undefined && path !== '') return { path: resolve(ctx.cwd, path) };
  const existing = findDevSetup(ctx.cwd);
  if (existing !== undefined) return { path: existing.configPath, dev: existing };
  if (use === 'read') {
    throw new Error(`no configuration: pass --config FILE, set ${CONFIG_ENV_VAR}, or run \`xks serve\` once to create the dev default in ./keys/dev`);
  }
  const dev = ensureDevSetup(ctx.cwd, secureRandomBytes);
  const rel = relative(ctx.cwd, dirname(dev.configPath)) || '.';
  ctx.stderr.write(`created the dev default in ${rel}: config.json, secret-access-key and dev keys in ${rel}/keys (loopback only, for development)\n`);
  return { path: dev.configPath, dev };
}

export function resolveConfig(ctx: CliContext, configOption: string | undefined, use: ConfigUse): ResolvedConfig {
  const { path, dev } = locateConfig(ctx, configOption, use);
  return { config: loadConfigFile(path, { env: ctx.env }), ...(dev !== undefined && { dev }) };
}

/**
 * The key directories the configuration names, read leniently (a configuration that does not validate yet, e.g.
 * one waiting for the secret file about to be written, still names them), plus the dev default's. For refusing to
 * write a secret or an export among keys; never creates anything.
 */
export function configuredKeyDirectories(ctx: CliContext, configOption: string | undefined): string[] {
  const dirs = [devSetupPaths(ctx.cwd).keyDirectory];
  let path: string;
  try {
    path = locateConfig(ctx, configOption, 'read').path;
  } catch {
    return dirs;
  }
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as { keyStores?: unknown };
    for (const store of Array.isArray(raw.keyStores) ? (raw.keyStores as unknown[]) : []) {
      const dir = typeof store === 'object' && store !== null ? (store as { keyDirectory?: unknown }).keyDirectory : undefined;
      if (typeof dir === 'string' && dir !== '') dirs.push(isAbsolute(dir) ? dir : resolve(dirname(path), dir));
    }
  } catch {
    // unreadable or not JSON: only the dev default's directory is known
  }
  return dirs;
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
