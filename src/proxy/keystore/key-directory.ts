import { readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { secureRandomBytes, type RandomBytes } from '../../crypto/random.js';
import { KEY_BYTES } from '../../xks/limits.js';
import { externalKeyIdProblem } from './external-key-id.js';
import { fsyncDirectory, writeFileAtomic } from './atomic-write.js';
import { KeyDirectoryError, LOCK_FILE_NAME, withDirectoryLock } from './directory-lock.js';
import { createKeyFileCodec, type KeyFileCodec } from './key-file-codec.js';
import { keyFileName } from './key-file.js';
import { currentVersion, type KeyStatus, type KeyUsage, type XksKey } from './key-store.js';
import { loadKeyDirectory, type KeyDirectoryWarning } from './load-key-directory.js';

/**
 * The write side of a key directory: what `xks keys` does. Every change is a read-modify-write of one key file under
 * a directory lock, written with writeFileAtomic (temporary file, fsync, rename, fsync of the directory), so a crash
 * at any point leaves the old or the new file, never a torn one. A running proxy sees the change through its
 * directory watch (src/proxy/server/watch-key-directories.ts). The lock and the stale-file sweep: ./directory-lock.ts.
 */
export { KeyDirectoryError, LOCK_FILE_NAME };

export interface KeyDirectoryOptions {
  readonly codec?: KeyFileCodec;
  readonly random?: RandomBytes;
  /** Epoch ms, for createdAt stamps. */
  readonly clock?: () => number;
  /** How long to wait for another writer's lock (ms). */
  readonly lockTimeoutMs?: number;
}

export interface NewKeySpec {
  readonly externalKeyId: string;
  readonly keyUsage?: readonly KeyUsage[];
  readonly keyStatus?: KeyStatus;
}

/** Metadata only: never the material. */
export interface KeySummary {
  readonly externalKeyId: string;
  readonly keyStatus: KeyStatus;
  readonly keyUsage: readonly KeyUsage[];
  readonly currentVersion: number;
  readonly versions: readonly { readonly version: number; readonly createdAt?: string }[];
  readonly createdAt?: string;
  readonly file: string;
}

/** The deep health check's own key (src/proxy/health/health-monitor.ts): `<keyDirectory>/.health/health-check.json`. */
export const HEALTH_DIRECTORY = '.health';
export const HEALTH_KEY_FILE = 'health-check.json';
const DEFAULT_USAGE: readonly KeyUsage[] = ['ENCRYPT', 'DECRYPT'];

export function summarizeKey(key: XksKey, file: string): KeySummary {
  return {
    externalKeyId: key.externalKeyId,
    keyStatus: key.keyStatus,
    keyUsage: [...key.keyUsage],
    currentVersion: currentVersion(key).version,
    versions: key.versions.map((v) => ({ version: v.version, ...(v.createdAt !== undefined && { createdAt: v.createdAt }) })),
    ...(key.createdAt !== undefined && { createdAt: key.createdAt }),
    file,
  };
}

export interface KeyDirectory {
  readonly dir: string;
  list(): { keys: readonly XksKey[]; problems: readonly { file: string; message: string }[]; warnings: readonly KeyDirectoryWarning[] };
  /** Throws KeyDirectoryError when the key does not exist or its file cannot be read. */
  get(externalKeyId: string): XksKey;
  create(spec: NewKeySpec): XksKey;
  /** Existing material (32 bytes), e.g. moved from another key manager. The caller wipes its copy. */
  import(spec: NewKeySpec, material: Uint8Array): XksKey;
  setStatus(externalKeyId: string, keyStatus: KeyStatus): XksKey;
  setUsage(externalKeyId: string, keyUsage: readonly KeyUsage[]): XksKey;
  /** Adds version n+1 with fresh material; Encrypt uses it from then on, older versions keep decrypting. */
  rotate(externalKeyId: string): XksKey;
  /** Removes the file. Ciphertext under the key becomes undecryptable; the CLI asks for --force. */
  remove(externalKeyId: string): void;
  /** Rewrite every key file with the codec (encryption at rest on or off). Returns the ids rewritten. */
  rewriteAll(): string[];
}

export function openKeyDirectory(dir: string, options: KeyDirectoryOptions = {}): KeyDirectory {
  const codec = options.codec ?? createKeyFileCodec();
  const random = options.random ?? secureRandomBytes;
  const clock = options.clock ?? Date.now;
  const lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  const pathOf = (id: string) => join(dir, keyFileName(id));
  const now = () => new Date(clock()).toISOString();

  function checkId(id: string): void {
    const problem = externalKeyIdProblem(id);
    if (problem !== undefined) throw new KeyDirectoryError(`invalid externalKeyId ${JSON.stringify(id.slice(0, 140))}: ${problem}`);
  }

  const withLock = <T>(fn: () => T): T =>
    withDirectoryLock(dir, { clock, lockTimeoutMs, holdsKey: (file) => holdsKey(file) }, fn);

  function holdsKey(file: string): boolean {
    try {
      codec.decode(readFileSync(file, 'utf8'));
      return true;
    } catch {
      return false;
    }
  }

  function read(id: string): XksKey {
    checkId(id);
    let text: string;
    try {
      text = readFileSync(pathOf(id), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new KeyDirectoryError(code === 'ENOENT' ? `no key ${id} in ${dir}` : `cannot read ${pathOf(id)} (${code ?? 'error'})`);
    }
    try {
      return codec.decode(text).key;
    } catch (error) {
      throw new KeyDirectoryError(`${pathOf(id)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  function write(key: XksKey): void {
    writeFileAtomic(pathOf(key.externalKeyId), codec.encode(key), 0o600);
  }

  /**
   * The health-check key follows the key files into (or out of) encryption at rest; otherwise the deep health check
   * fails for good once keyEncryption is removed or its secret changed. It protects no data: one that cannot be
   * read is removed, and the next check creates a fresh one.
   */
  function rewriteHealthKey(): void {
    const file = join(dir, HEALTH_DIRECTORY, HEALTH_KEY_FILE);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let key: XksKey;
    try {
      key = codec.decode(text).key;
    } catch {
      unlinkSync(file);
      return;
    }
    writeFileAtomic(file, codec.encode(key), 0o600);
  }

  function update(id: string, change: (key: XksKey) => XksKey): XksKey {
    return withLock(() => {
      const next = change(read(id));
      write(next);
      return next;
    });
  }

  function add(spec: NewKeySpec, material: Uint8Array): XksKey {
    checkId(spec.externalKeyId);
    if (material.length !== KEY_BYTES) throw new KeyDirectoryError(`key material must be ${KEY_BYTES} bytes, got ${material.length}`);
    const usage = spec.keyUsage ?? DEFAULT_USAGE;
    if (new Set(usage).size !== usage.length) throw new KeyDirectoryError('keyUsage has duplicates');
    return withLock(() => {
      try {
        readFileSync(pathOf(spec.externalKeyId));
        throw new KeyDirectoryError(`key ${spec.externalKeyId} already exists in ${dir} (spec A2: one key per externalKeyId)`);
      } catch (error) {
        if (error instanceof KeyDirectoryError) throw error;
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      const at = now();
      const key: XksKey = {
        externalKeyId: spec.externalKeyId,
        keyUsage: [...usage],
        keyStatus: spec.keyStatus ?? 'ENABLED',
        createdAt: at,
        versions: [{ version: 1, material, createdAt: at }],
      };
      write(key);
      return key;
    });
  }

  return {
    dir,
    list() {
      const { store, warnings } = loadKeyDirectory(dir, { codec });
      if (!store.available) throw new KeyDirectoryError(store.problems[0]?.message ?? `key directory ${dir} unreadable`);
      return { keys: store.listKeys(), problems: store.problems, warnings };
    },
    get: read,
    create(spec) {
      const material = random(KEY_BYTES);
      try {
        return add(spec, material);
      } catch (error) {
        material.fill(0);
        throw error;
      }
    },
    import(spec, material) {
      return add(spec, Uint8Array.from(material));
    },
    setStatus: (id, keyStatus) => update(id, (k) => ({ ...k, keyStatus })),
    setUsage(id, keyUsage) {
      if (new Set(keyUsage).size !== keyUsage.length) throw new KeyDirectoryError('keyUsage has duplicates');
      return update(id, (k) => ({ ...k, keyUsage: [...keyUsage] }));
    },
    rotate: (id) =>
      update(id, (k) => {
        const version = currentVersion(k).version + 1;
        // ciphertextMetadata carries the version as a uint32 (src/xks/ciphertext-metadata.ts).
        if (version > 0xffffffff) throw new KeyDirectoryError(`key ${id} has reached the last version number (${version - 1})`);
        return { ...k, versions: [...k.versions, { version, material: random(KEY_BYTES), createdAt: now() }] };
      }),
    remove(id) {
      checkId(id);
      withLock(() => {
        read(id);
        unlinkSync(pathOf(id));
        fsyncDirectory(dir);
      });
    },
    rewriteAll() {
      return withLock(() => {
        const { store } = loadKeyDirectory(dir, { codec });
        if (store.problems.length > 0) {
          throw new KeyDirectoryError(`refusing to rewrite: ${store.problems.map((p) => `${p.file}: ${p.message}`).join('; ')}`);
        }
        for (const key of store.listKeys()) write(key);
        rewriteHealthKey();
        return store.listKeys().map((k) => k.externalKeyId);
      });
    },
  };
}
