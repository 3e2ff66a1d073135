import { readdirSync, statSync } from 'node:fs';
import type { ProxyConfig } from './load-config.js';

/**
 * What a configuration's files must be before a reload may install it. A key directory that is missing, not a
 * directory or unreadable would take every key of its store out of service (a typo in `keyDirectory`, a `mv`), so
 * such a reload is rejected like any invalid configuration and the running one keeps serving.
 */
export function keyDirectoryProblems(config: ProxyConfig): string[] {
  const problems: string[] = [];
  config.keyStores.forEach((store, i) => {
    const where = `keyStores.${i}.keyDirectory`;
    const dir = store.keyDirectory;
    if (dir === undefined) return; // an HSM store (pkcs11): its token is opened, and checked, by the key backend
    try {
      if (!statSync(dir).isDirectory()) {
        problems.push(`${where}: ${dir} is not a directory`);
        return;
      }
      readdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      problems.push(`${where}: ${dir} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`);
    }
  });
  return problems;
}

export interface FileWarning {
  readonly file: string;
  readonly message: string;
}

/**
 * Permissions an operator should hear about at start and at every reload: a key directory that group or others can
 * write (they could replace or delete keys), a secret file (credential secret, key encryption passphrase or KEK)
 * that group or others can read or write.
 */
export function filePermissionWarnings(config: ProxyConfig): FileWarning[] {
  const warnings: FileWarning[] = [];
  const modeOf = (file: string): number | undefined => {
    try {
      return statSync(file).mode & 0o777;
    } catch {
      return undefined; // missing files are the configuration's problem, reported there
    }
  };
  const secretFiles = new Set<string>();
  for (const store of config.keyStores) {
    const mode = store.keyDirectory === undefined ? undefined : modeOf(store.keyDirectory);
    if (store.keyDirectory !== undefined && mode !== undefined && (mode & 0o022) !== 0) {
      warnings.push({ file: store.keyDirectory, message: `key directory is writable by group or others (mode ${mode.toString(8)}): they could replace or delete keys; chmod 700` });
    }
    for (const c of store.credentials) if (c.secretFile !== undefined) secretFiles.add(c.secretFile);
    const enc = store.keyEncryption;
    if (enc !== undefined && !enc.source.startsWith('$')) secretFiles.add(enc.source);
    const pin = store.pkcs11?.pinSource;
    if (pin !== undefined && !pin.startsWith('$')) secretFiles.add(pin);
  }
  for (const file of secretFiles) {
    const mode = modeOf(file);
    if (mode !== undefined && (mode & 0o077) !== 0) {
      warnings.push({ file, message: `secret file is ${(mode & 0o022) !== 0 ? 'writable' : 'readable'} by group or others (mode ${mode.toString(8)}); chmod 600` });
    }
  }
  return warnings;
}
