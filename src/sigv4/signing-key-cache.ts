import { deriveSigningKey } from './signing-key.js';

/**
 * A bounded LRU of derived signing keys. A key is reused only for the same access key id, date, region,
 * service AND secret, so rotating a secret under the same access key id never reuses a stale key.
 */
export interface SigningKeyCache {
  /** The signing key for these inputs, derived (and remembered) on a miss. */
  getOrDerive(accessKeyId: string, secret: string, date: string, region: string, service: string): Uint8Array;
  readonly size: number;
}

interface Entry {
  readonly secret: string;
  readonly key: Uint8Array;
}

export function createSigningKeyCache(maxEntries: number): SigningKeyCache {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`createSigningKeyCache: maxEntries must be a positive integer, got ${maxEntries}`);
  }
  const entries = new Map<string, Entry>();
  return {
    getOrDerive(accessKeyId, secret, date, region, service) {
      // None of the four can hold a newline (parseAuthorization admits printable ASCII only): an unambiguous key.
      const id = `${accessKeyId}\n${date}\n${region}\n${service}`;
      const hit = entries.get(id);
      entries.delete(id);
      if (hit !== undefined && hit.secret === secret) {
        entries.set(id, hit); // most recently used goes last
        return Buffer.from(hit.key); // a copy: callers cannot alter the cached key
      }
      const key = deriveSigningKey(secret, date, region, service);
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      entries.set(id, { secret, key: Buffer.from(key) });
      return key;
    },
    get size() {
      return entries.size;
    },
  };
}
