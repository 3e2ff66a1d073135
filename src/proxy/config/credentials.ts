import type { RandomBytes } from '../../crypto/random.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * spec A12 / C66, C68: a random access key id of 20 chars of A-Z2-7 that says nothing about the secret.
 * 256 is a multiple of 32, so `byte % 32` is unbiased.
 */
export function generateAccessKeyId(random: RandomBytes, length = 20): string {
  return Array.from(random(length), (b) => BASE32[b % 32]).join('');
}

/** spec A12 / C66: a secret with 256 bits of entropy: base64 of 32 random bytes (44 chars). */
export function generateSecretAccessKey(random: RandomBytes): string {
  return Buffer.from(random(32)).toString('base64');
}
