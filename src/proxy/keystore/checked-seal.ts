import { computeCdiv } from '../../xks/cdiv.js';
import type { CdivContext, GcmSealed } from './key-backend.js';

/**
 * The two steps every backend's encryptChecked shares (spec A9), whatever runs its cipher: the CDIV over the sealed
 * parts, and the check-decrypt's comparison, which wipes the decrypted copy.
 */
export function cdivOf(context: CdivContext, sealed: GcmSealed): string {
  return computeCdiv({ ...(context.aad !== undefined && { aad: context.aad }), metadata: context.metadata, iv: sealed.iv, ciphertext: sealed.ciphertext, tag: sealed.tag });
}

/** Whether the check-decrypt gave the plaintext back; `back` is zeroed either way. */
export function roundTripsWiped(back: Uint8Array, plaintext: Uint8Array): boolean {
  const same = back.length === plaintext.length && Buffer.from(back.buffer, back.byteOffset, back.byteLength).equals(plaintext);
  back.fill(0);
  return same;
}
