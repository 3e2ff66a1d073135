import { linkSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { secureRandomBytes, type RandomBytes } from '../crypto/random.js';
import { KEY_BYTES } from '../xks/limits.js';
import { externalKeyIdProblem } from './external-key-id.js';
import { fsyncDirectory, parseTemporaryFileName, writeFileAtomic } from './atomic-write.js';
import { createKeyFileCodec, type KeyFileCodec } from './key-file-codec.js';
import { keyFileName } from './key-file.js';
import { currentVersion, type KeyStatus, type KeyUsage, type XksKey } from './key-store.js';
import { loadKeyDirectory, type KeyDirectoryWarning } from './load-key-directory.js';

/**
 * The write side of a key directory: what `xks keys` does. Every change is a read-modify-write of one key file under
 * a directory lock, written with writeFileAtomic (temporary file, fsync, rename, fsync of the directory), so a crash
 * at any point leaves the old or the new file, never a torn one. A running proxy sees the change through its
 * directory watch (src/server/watch-key-directories.ts).
 */
export class KeyDirectoryError extends Error {}

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

export const LOCK_FILE_NAME = '.xks-keys.lock';
/** The deep health check's own key (src/health/health-monitor.ts): `<keyDirectory>/.health/health-check.json`. */
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

const PRIVATE_LOCK = new RegExp(`^${LOCK_FILE_NAME.replaceAll('.', '\\.')}\\.([1-9][0-9]{0,9})$`);

/** `.xks-keys.lock.<pid>`: a writer's private lock file before its link(); the pid, or undefined for any other name. */
function parsePrivateLockName(name: string): number | undefined {
  const m = PRIVATE_LOCK.exec(name);
  return m === null ? undefined : Number(m[1]);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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

  /**
   * One writer at a time per directory. The lock file is created complete (pid written to a private file, then
   * link()ed into place, which fails atomically if the lock exists), so a writer killed at any moment leaves either
   * no lock or a lock naming its pid; a lock whose pid is gone is taken over.
   */
  function withLock<T>(fn: () => T): T {
    const lockPath = join(dir, LOCK_FILE_NAME);
    const mine = join(dir, `${LOCK_FILE_NAME}.${process.pid}`);
    const deadline = clock() + lockTimeoutMs;
    for (;;) {
      try {
        writeFileSync(mine, `${process.pid}\n`, { mode: 0o600 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new KeyDirectoryError(`key directory ${dir} does not exist`);
        throw error;
      }
      try {
        linkSync(mine, lockPath);
        unlinkSync(mine);
        break;
      } catch (error) {
        unlinkSync(mine);
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let holder = Number.NaN;
      try {
        holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      } catch {
        continue; // released meanwhile
      }
      if (!Number.isInteger(holder) || holder <= 0 || !processAlive(holder)) {
        breakStaleLock(lockPath, mine);
        continue;
      }
      if (clock() > deadline) throw new KeyDirectoryError(`key directory ${dir} is locked by process ${holder} (${lockPath})`);
      sleepSync(10);
    }
    try {
      removeStaleFiles();
      return fn();
    } finally {
      unlinkSync(lockPath);
    }
  }

  /**
   * Remove a lock judged stale. Another writer may have broken it and taken the lock between our read and now, so
   * the lock is moved aside first (rename is atomic) and the file actually moved is judged again: a live holder's
   * lock is put back, never deleted.
   */
  function breakStaleLock(lockPath: string, aside: string): void {
    try {
      renameSync(lockPath, aside);
    } catch {
      return; // released or broken by another writer meanwhile
    }
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(aside, 'utf8'), 10);
    } catch {
      // unreadable: treated as stale
    }
    if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
      try {
        linkSync(aside, lockPath);
      } catch {
        // a third writer took the free lock meanwhile; it holds it now
      }
    }
    unlinkSync(aside);
  }

  /**
   * Under the lock, a temporary file can only be left by a writer that died before its rename, and a private lock
   * file only by a writer that died before its link. Only those exact names are swept, only when their writer is
   * gone, and never a file that holds a key (a write that died between its fsync and its rename): that one is
   * left for the operator.
   */
  function removeStaleFiles(): void {
    for (const name of readdirSync(dir)) {
      const owner = parseTemporaryFileName(name)?.pid ?? parsePrivateLockName(name);
      if (owner === undefined || processAlive(owner) || holdsKey(join(dir, name))) continue;
      unlinkSync(join(dir, name));
    }
  }

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
