import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { writeFileAtomic } from '../proxy/keystore/atomic-write.js';

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Refuse to write a secret or an exported configuration inside a key directory: a secret does not belong among the
 * keys (and their backups), and a `*.json` there would be loaded as a broken key file.
 */
export function verifyOutsideKeyDirectories(file: string, keyDirectories: readonly string[]): void {
  const where = realOrResolved(dirname(file));
  for (const dir of keyDirectories) {
    const rel = relative(realOrResolved(dir), where);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
      throw new Error(`refusing to write ${file}: it is inside the key directory ${dir}; choose a path outside every key directory`);
    }
  }
}

/**
 * Write a file holding a secret: outside every key directory, 0600, atomically, and never over an existing file
 * unless `force` (then replaced atomically: the old content or the new, never a mix).
 */
export function writeSecretOutput(file: string, text: string, options: { force: boolean; keyDirectories: readonly string[] }): void {
  verifyOutsideKeyDirectories(file, options.keyDirectories);
  writeFileAtomic(file, text, 0o600, { overwrite: options.force });
}
