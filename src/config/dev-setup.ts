import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RandomBytes } from '../crypto/random.js';
import { keyFileName, serializeKeyFile } from '../keystore/key-file.js';
import type { KeyStatus, KeyUsage } from '../keystore/key-store.js';
import { writeFileAtomic } from '../keystore/atomic-write.js';
import { KEY_BYTES } from '../xks/limits.js';
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

export interface DevSetup {
  readonly configPath: string;
  readonly secretPath: string;
  /** Set only when this call generated the credentials: the secret is shown once. */
  readonly newSecret?: string;
}

/** Create (first start) or reuse (later starts) the dev configuration, secret and keys; every file 0600. */
export function ensureDevSetup(root: string, random: RandomBytes): DevSetup {
  const dir = join(root, 'keys', 'dev');
  const keyDir = join(dir, 'keys');
  const configPath = join(dir, 'config.json');
  const secretPath = join(dir, 'secret-access-key');
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });

  let newSecret: string | undefined;
  if (!existsSync(secretPath)) {
    newSecret = generateSecretAccessKey(random);
    writeFileAtomic(secretPath, `${newSecret}\n`);
  }
  for (const key of DEV_KEYS) {
    const file = join(keyDir, keyFileName(key.id));
    if (existsSync(file)) continue;
    const material = random(KEY_BYTES);
    writeFileAtomic(file, serializeKeyFile({ externalKeyId: key.id, keyUsage: key.usage, keyStatus: key.status, versions: [{ version: 1, material }] }));
    material.fill(0);
  }
  if (!existsSync(configPath)) {
    const accessKeyId = generateAccessKeyId(random);
    const config = {
      listen: { host: '127.0.0.1', port: DEV_PORT },
      admin: { host: '127.0.0.1', port: DEV_ADMIN_PORT },
      keyStores: [
        {
          name: 'dev',
          uriPrefix: '',
          regions: [DEV_REGION],
          credentials: [{ accessKeyId, secretFile: 'secret-access-key' }],
          keyDirectory: 'keys',
        },
      ],
    };
    writeFileAtomic(configPath, `${JSON.stringify(config, null, 2)}\n`);
  }
  return { configPath, secretPath, ...(newSecret !== undefined && { newSecret }) };
}

