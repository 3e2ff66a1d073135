/** The key model the proxy serves (spec A4) and the read side every operation uses. */
import { externalKeyIdProblem } from './external-key-id.js';

export const KEY_USAGES = ['ENCRYPT', 'DECRYPT'] as const;
export type KeyUsage = (typeof KEY_USAGES)[number];
export const KEY_STATUSES = ['ENABLED', 'DISABLED'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

/** A key version as the operations see it: a number, never material (an HSM's material never enters the process). */
export interface KeyVersionInfo {
  /** 1, 2, 3... ascending; the last one encrypts, every one decrypts. */
  readonly version: number;
  /** ISO-8601 time the version was added (kept by the key file; informational). */
  readonly createdAt?: string;
}

export interface KeyVersion extends KeyVersionInfo {
  /** 32 bytes of AES-256 material. Never logged, never serialized outside a key file. */
  readonly material: Uint8Array;
}

/** A key as the operations see it (spec A4), whichever backend holds it (src/proxy/keystore/key-backend.ts). */
export interface KeyInfo {
  readonly externalKeyId: string;
  /** Any subset of ENCRYPT/DECRYPT, the empty set included (the key exists but can do neither). */
  readonly keyUsage: readonly KeyUsage[];
  readonly keyStatus: KeyStatus;
  /** Non-empty, ascending by version. */
  readonly versions: readonly KeyVersionInfo[];
  /** ISO-8601 time the key was created (informational). */
  readonly createdAt?: string;
}

/** A key held in the proxy's own files: its info plus the material of every version. */
export interface XksKey extends KeyInfo {
  /** Non-empty, ascending by version. */
  readonly versions: readonly KeyVersion[];
}

/** Problems met while loading keys: the proxy keeps serving the keys that did load (and health says DEGRADED). */
export interface KeyLoadProblem {
  readonly file: string;
  readonly message: string;
}

/**
 * A key served from memory: its file (or the whole directory) became unreadable or invalid after the key was loaded,
 * so a reload kept the last good version instead of taking a live key out of service.
 */
export interface RetainedKey {
  readonly externalKeyId: string;
  /** The file that could not be read (or the directory, when the directory could not be read). */
  readonly file: string;
  readonly message: string;
  /** ISO-8601 time since when the key is served from memory. */
  readonly since: string;
}

export interface KeyStore {
  getKey(externalKeyId: string): XksKey | undefined;
  listKeys(): readonly XksKey[];
  /** Files that could not be loaded (empty when all is well). */
  readonly problems: readonly KeyLoadProblem[];
  /** False when the key directory itself could not be read (and nothing is served from memory). */
  readonly available: boolean;
  /** Keys among listKeys() served from memory because their file went bad after they were loaded. */
  readonly retained: readonly RetainedKey[];
}

export function currentVersion<V extends KeyVersionInfo>(key: { readonly externalKeyId: string; readonly versions: readonly V[] }): V {
  const latest = key.versions[key.versions.length - 1];
  if (latest === undefined) throw new Error(`key ${key.externalKeyId} has no versions`);
  return latest;
}

/** An in-memory store: for tests and for building the runtime view of a loaded directory. */
export function createMemoryKeyStore(
  keys: readonly XksKey[],
  options: { problems?: readonly KeyLoadProblem[]; available?: boolean; retained?: readonly RetainedKey[] } = {},
): KeyStore {
  for (const k of keys) {
    const problem = externalKeyIdProblem(k.externalKeyId);
    if (problem !== undefined) throw new Error(`key ${JSON.stringify(k.externalKeyId.slice(0, 140))}: ${problem}`);
  }
  const byId = new Map(keys.map((k) => [k.externalKeyId, k] as const));
  if (byId.size !== keys.length) throw new Error('duplicate externalKeyId in key store'); // spec C10
  const list = Object.freeze([...byId.values()]);
  return Object.freeze({
    getKey: (id: string) => byId.get(id),
    listKeys: () => list,
    problems: Object.freeze([...(options.problems ?? [])]),
    available: options.available ?? true,
    retained: Object.freeze([...(options.retained ?? [])]),
  });
}
