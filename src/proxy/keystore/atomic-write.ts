import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The target exists and the write was asked not to replace it. */
export class FileExistsError extends Error {}

/**
 * Write a file so that a crash at any point leaves either the old or the new content, never a torn file:
 * temporary file in the same directory (created with `mode`), fsync, rename over the target, fsync the directory.
 * With `overwrite: false` the temporary file is link()ed into place instead, which fails atomically when the target
 * exists (FileExistsError): no check-then-write race can replace a file that appeared meanwhile.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600, options: { overwrite?: boolean } = {}): void {
  const dir = dirname(path);
  const tmp = join(dir, temporaryFileName(basename(path), process.pid, Date.now()));
  const fd = openSync(tmp, 'wx', mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(tmp);
    throw error;
  }
  closeSync(fd);
  try {
    if (options.overwrite === false) {
      linkSync(tmp, path);
      unlinkSync(tmp);
    } else {
      renameSync(tmp, path);
    }
  } catch (error) {
    unlinkSync(tmp);
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new FileExistsError(`${path} exists; pass --force to overwrite it`);
    throw error;
  }
  fsyncDirectory(dir);
}

/** `.<target>.<pid>.<ms>.tmp`: a dot-file (never a key), naming its writer so a sweep can judge it. */
export function temporaryFileName(target: string, pid: number, ms: number): string {
  return `.${target}.${pid}.${ms}.tmp`;
}

const TEMPORARY_FILE = /^\.(.+)\.([1-9][0-9]{0,9})\.([0-9]{1,16})\.tmp$/;

/** The inverse of temporaryFileName: the target and writer pid, or undefined for any other name. */
export function parseTemporaryFileName(name: string): { target: string; pid: number } | undefined {
  const m = TEMPORARY_FILE.exec(name);
  return m === null ? undefined : { target: m[1] ?? '', pid: Number(m[2]) };
}

export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
