import { InvalidKeyUsageException, InvalidStateException, KeyNotFoundException } from '../../errors/xks-errors.js';
import type { KeyUsage, XksKey } from '../keystore/key-store.js';

/** The key checks in their documented order (docs/api.md "Order of checks"): exists, enabled, usage allowed. */

/** Check `key`: the key exists in this key store. */
export function requireKey(key: XksKey | undefined, externalKeyId: string): XksKey {
  if (key === undefined) throw new KeyNotFoundException(`No external key with id ${externalKeyId} in this key store`);
  return key;
}

/** Check `key-state`: the key is ENABLED. */
export function requireEnabled(key: XksKey): void {
  if (key.keyStatus !== 'ENABLED') throw new InvalidStateException(`External key ${key.externalKeyId} is ${key.keyStatus}`);
}

/** Check `key-usage`: the key's keyUsage allows the operation. */
export function requireUsage(key: XksKey, usage: KeyUsage): void {
  if (!key.keyUsage.includes(usage)) {
    throw new InvalidKeyUsageException(`External key ${key.externalKeyId} does not allow ${usage} (keyUsage: ${key.keyUsage.join(',') || 'none'})`);
  }
}

/** All three in order (GetKeyMetadata, which passes no usage, checks existence only). */
export function requireUsableKey(key: XksKey | undefined, externalKeyId: string, usage?: KeyUsage): XksKey {
  const found = requireKey(key, externalKeyId);
  if (usage === undefined) return found;
  requireEnabled(found);
  requireUsage(found, usage);
  return found;
}
