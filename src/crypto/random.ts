/**
 * Randomness as an injectable function, so tests can pin IVs to get fixed encrypt vectors (STYLE habit 5).
 */
import { randomBytes } from 'node:crypto';

export type RandomBytes = (length: number) => Uint8Array;

/** CSPRNG bytes from node:crypto, as a plain Uint8Array view (no copy). */
export const secureRandomBytes: RandomBytes = (length) => {
  const buf = randomBytes(length);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
};
