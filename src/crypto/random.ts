/**
 * Randomness as an injectable function, so tests can pin IVs to get fixed encrypt vectors (STYLE habit 5).
 */
import { randomBytes, randomFillSync } from 'node:crypto';

export type RandomBytes = (length: number) => Uint8Array;

/** CSPRNG bytes from node:crypto, as a plain Uint8Array view (no copy). */
export const secureRandomBytes: RandomBytes = (length) => {
  const buf = randomBytes(length);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
};

/**
 * CSPRNG bytes served from a pool refilled `poolBytes` at a time: one call into OpenSSL per pool instead of one per
 * 12-byte IV, the largest per-request cost after the cipher itself in a profile of Encrypt. Each call gets a copy
 * of bytes never handed out before; the pool is zeroed as it is consumed (start-proxy.ts builds one per process).
 */
export function createPooledRandomBytes(poolBytes = 4096): RandomBytes {
  const pool = new Uint8Array(poolBytes);
  let offset = poolBytes;
  return (length) => {
    if (length > poolBytes) return secureRandomBytes(length);
    if (offset + length > poolBytes) {
      randomFillSync(pool);
      offset = 0;
    }
    const out = pool.slice(offset, offset + length);
    pool.fill(0, offset, offset + length);
    offset += length;
    return out;
  };
}
