/**
 * The bytes a configuration was loaded from: the configuration file and every file it names that the loader reads
 * (secret files, authorization policies, key-encryption secrets). A fleet's primary keeps the snapshot of its last
 * good configuration and hands it to every worker it starts, so a worker that replaces a dead one starts from what
 * the fleet serves, not from a file that may be broken on disk since (issue 21, finding 2). Loading a snapshot runs
 * the same validation as loading the files.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigFile, type ProxyConfig } from './load-config.js';

export interface ConfigSnapshot {
  /** Absolute path of the configuration file (the configuration's `source`). */
  readonly path: string;
  /** Absolute path -> text, for every file read while loading. */
  readonly files: Readonly<Record<string, string>>;
}

export interface LoadedConfig {
  readonly config: ProxyConfig;
  readonly snapshot: ConfigSnapshot;
}

type Env = Readonly<Record<string, string | undefined>>;

/** loadConfigFile, keeping the text of every file it read. */
export function loadConfigWithSnapshot(path: string, options: { env?: Env } = {}): LoadedConfig {
  const files: Record<string, string> = {};
  const readFile = (p: string): string => {
    const text = readFileSync(p, 'utf8');
    files[p] = text;
    return text;
  };
  const config = loadConfigFile(path, { ...options, readFile });
  return { config, snapshot: Object.freeze({ path: resolve(path), files: Object.freeze(files) }) };
}

/** The configuration a snapshot holds, validated as loadConfigFile does; a file it lacks reads as missing. */
export function loadConfigSnapshot(snapshot: ConfigSnapshot, options: { env?: Env } = {}): ProxyConfig {
  const readFile = (p: string): string => {
    const text = Object.hasOwn(snapshot.files, p) ? snapshot.files[p] : undefined;
    if (text === undefined) throw Object.assign(new Error(`ENOENT: not in the configuration snapshot: ${p}`), { code: 'ENOENT' });
    return text;
  };
  return loadConfigFile(snapshot.path, { ...options, readFile });
}

/** A snapshot received over IPC (unknown shape): the snapshot, or undefined. */
export function parseConfigSnapshot(value: unknown): ConfigSnapshot | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { path, files } = value as { path?: unknown; files?: unknown };
  if (typeof path !== 'string' || typeof files !== 'object' || files === null) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(files)) {
    if (typeof v !== 'string') return undefined;
    out[k] = v;
  }
  return { path, files: out };
}
