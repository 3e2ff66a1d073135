import { InvalidKeyUsageException, InvalidStateException, KeyNotFoundException } from '../../errors/xks-errors.js';
import type { KeyInfo, KeyUsage } from '../keystore/key-store.js';

/** The key checks in their documented order (docs/api.md "Order of checks"): exists, enabled, usage allowed. */
export function requireUsableKey(key: KeyInfo | undefined, externalKeyId: string, usage?: KeyUsage): KeyInfo {
  if (key === undefined) throw new KeyNotFoundException(`No external key with id ${externalKeyId} in this key store`);
  if (usage === undefined) return key;
  if (key.keyStatus !== 'ENABLED') throw new InvalidStateException(`External key ${externalKeyId} is ${key.keyStatus}`);
  if (!key.keyUsage.includes(usage)) {
    throw new InvalidKeyUsageException(`External key ${externalKeyId} does not allow ${usage} (keyUsage: ${key.keyUsage.join(',') || 'none'})`);
  }
  return key;
}
