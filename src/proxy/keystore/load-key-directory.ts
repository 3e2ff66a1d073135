import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createKeyFileCodec, type KeyFileCodec } from './key-file-codec.js';
import { KEY_FILE_SUFFIX } from './key-file.js';
import { createMemoryKeyStore, type KeyLoadProblem, type KeyStore, type XksKey } from './key-store.js';

export interface KeyDirectoryWarning {
  readonly file: string;
  readonly message: string;
}

/** Key files are `<externalKeyId>.json`; dot-files (temporary files, `.health/`, the lock) are never keys. */
export function isKeyFileName(name: string): boolean {
  return name.endsWith(KEY_FILE_SUFFIX) && !name.startsWith('.');
}

/**
 * Load every `*.json` key file of a directory. A corrupt or unknown-format file is reported (naming the file)
 * and skipped; the others are served. An unreadable directory gives an unavailable, empty store.
 * Files readable by group or others produce a warning (key files are created 0600); so do plain files in a store
 * configured for encryption at rest.
 */
export function loadKeyDirectory(dir: string, options: { codec?: KeyFileCodec } = {}): { store: KeyStore; warnings: KeyDirectoryWarning[] } {
  const codec = options.codec ?? createKeyFileCodec();
  const warnings: KeyDirectoryWarning[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter(isKeyFileName);
  } catch (error) {
    const message = `key directory unreadable: ${(error as NodeJS.ErrnoException).code ?? 'error'}`;
    return { store: createMemoryKeyStore([], { problems: [{ file: dir, message }], available: false }), warnings };
  }
  const keys: XksKey[] = [];
  const problems: KeyLoadProblem[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    try {
      const mode = statSync(file).mode & 0o777;
      if ((mode & 0o077) !== 0) {
        warnings.push({ file, message: `key file permissions are ${mode.toString(8)}; expected 600` });
      }
      const { key, wrapped } = codec.decode(readFileSync(file, 'utf8'));
      if (`${key.externalKeyId}${KEY_FILE_SUFFIX}` !== name) {
        throw new Error(`file name does not match externalKeyId ${key.externalKeyId}`);
      }
      if (codec.wraps && !wrapped) warnings.push({ file, message: 'key file is not encrypted at rest; run `xks keys encrypt-at-rest`' });
      keys.push(key);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed since the listing: gone, not broken
      problems.push({ file, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return { store: createMemoryKeyStore(keys, { problems }), warnings };
}
