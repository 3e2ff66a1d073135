import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RandomBytes } from '../../crypto/random.js';
import { keyFileName, serializeKeyFile } from '../keystore/key-file.js';
import type { KeyStatus, KeyUsage } from '../keystore/key-store.js';
import { writeFileAtomic } from '../keystore/atomic-write.js';
import { KEY_BYTES } from '../../xks/limits.js';
import { generateAccessKeyId, generateSecretAccessKey } from './credentials.js';

/** The embedded default: one key store, dev credentials and dev keys under <root>/keys/dev, loopback only. */
export const DEV_PORT = 7700;
export const DEV_ADMIN_PORT = 7701;
export const DEV_REGION = 'us-east-1';
export const DEV_KEYS: readonly { id: string; usage: readonly KeyUsage[]; status: KeyStatus }[] = [
  { id: 'dev-key-1', usage: ['ENCRYPT', 'DECRYPT'], status: 'ENABLED' },
  { id: 'dev-key-encrypt-only', usage: ['ENCRYPT'], status: 'ENABLED' },
  { id: 'dev-key-disabled', usage: ['ENCRYPT', 'DECRYPT'], status: 'DISABLED' },
];
/** Written once a start that showed the secret has listened: from then on the banner points at the file instead. */
const SECRET_SHOWN_MARKER = '.secret-shown';

export interface DevSetup {
  readonly configPath: string;
  readonly secretPath: string;
  /** True when this call created the dev default. */
  readonly created: boolean;
  /**
   * The secret, until a start that showed it has listened (markDevSecretShown): a start that failed (port in use)
   * must not swallow the only showing.
   */
  readonly secretToShow?: string;
}

/** Where the dev default lives under a working directory (whether or not it exists). */
export function devSetupPaths(root: string): { dir: string; configPath: string; secretPath: string; keyDirectory: string } {
  const dir = join(root, 'keys', 'dev');
  return { dir, configPath: join(dir, 'config.json'), secretPath: join(dir, 'secret-access-key'), keyDirectory: join(dir, 'keys') };
}

/** The existing dev default, or undefined: never creates anything (read-only commands use this). */
export function findDevSetup(root: string): DevSetup | undefined {
  const { dir, configPath, secretPath } = devSetupPaths(root);
  if (!existsSync(configPath)) return undefined;
  let secretToShow: string | undefined;
  if (!existsSync(join(dir, SECRET_SHOWN_MARKER))) {
    try {
      secretToShow = readFileSync(secretPath, 'utf8').trim();
    } catch {
      // no secret file: loading the configuration names the problem
    }
  }
  return { configPath, secretPath, created: false, ...(secretToShow !== undefined && { secretToShow }) };
}

/** Record that the secret was shown by a start that listened, so later starts point at the file instead. */
export function markDevSecretShown(setup: DevSetup): void {
  writeFileAtomic(join(setup.configPath, '..', SECRET_SHOWN_MARKER), `${new Date().toISOString()}\n`);
}

/**
 * The dev default for `xks serve`: reuse it when its config.json exists (as it is: a key deleted on purpose is not
 * brought back), else create the configuration, secret and dev keys; every file 0600.
 */
export function ensureDevSetup(root: string, random: RandomBytes): DevSetup {
  const existing = findDevSetup(root);
  if (existing !== undefined) return existing;
  const { dir, configPath, secretPath, keyDirectory } = devSetupPaths(root);
  mkdirSync(keyDirectory, { recursive: true, mode: 0o700 });
  rmSync(join(dir, SECRET_SHOWN_MARKER), { force: true });

  let secret: string;
  if (existsSync(secretPath)) {
    secret = readFileSync(secretPath, 'utf8').trim();
  } else {
    secret = generateSecretAccessKey(random);
    writeFileAtomic(secretPath, `${secret}\n`);
  }
  for (const key of DEV_KEYS) {
    const file = join(keyDirectory, keyFileName(key.id));
    if (existsSync(file)) continue;
    const material = random(KEY_BYTES);
    writeFileAtomic(file, serializeKeyFile({ externalKeyId: key.id, keyUsage: key.usage, keyStatus: key.status, versions: [{ version: 1, material }] }));
    material.fill(0);
  }
  const config = {
    listen: { host: '127.0.0.1', port: DEV_PORT },
    admin: { host: '127.0.0.1', port: DEV_ADMIN_PORT },
    keyStores: [
      {
        name: 'dev',
        uriPrefix: '',
        regions: [DEV_REGION],
        credentials: [{ accessKeyId: generateAccessKeyId(random), secretFile: 'secret-access-key' }],
        keyDirectory: 'keys',
      },
    ],
  };
  writeFileAtomic(configPath, `${JSON.stringify(config, null, 2)}\n`);
  return { configPath, secretPath, created: true, secretToShow: secret };
}
