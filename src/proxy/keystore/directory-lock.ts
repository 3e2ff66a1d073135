import { linkSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTemporaryFileName } from './atomic-write.js';

/** A key directory operation failed (missing directory, lock held, no such key, unreadable file). */
export class KeyDirectoryError extends Error {}

export const LOCK_FILE_NAME = '.xks-keys.lock';

export interface DirectoryLockOptions {
  /** Epoch ms. */
  readonly clock: () => number;
  /** How long to wait for another writer's lock (ms). */
  readonly lockTimeoutMs: number;
  /** True when a file holds a key: the stale-file sweep never removes one. */
  readonly holdsKey: (file: string) => boolean;
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

/**
 * One writer at a time per directory. The lock file is created complete (pid written to a private file, then
 * link()ed into place, which fails atomically if the lock exists), so a writer killed at any moment leaves either
 * no lock or a lock naming its pid; a lock whose pid is gone is taken over.
 */
export function withDirectoryLock<T>(dir: string, options: DirectoryLockOptions, fn: () => T): T {
  const { clock, lockTimeoutMs } = options;
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
    removeStaleFiles(dir, options.holdsKey);
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
function removeStaleFiles(dir: string, holdsKey: (file: string) => boolean): void {
  for (const name of readdirSync(dir)) {
    const owner = parseTemporaryFileName(name)?.pid ?? parsePrivateLockName(name);
    if (owner === undefined || processAlive(owner) || holdsKey(join(dir, name))) continue;
    unlinkSync(join(dir, name));
  }
}
