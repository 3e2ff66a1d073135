/**
 * AES-256-GCM with @noble/ciphers (audited, pure JS): an implementation independent of OpenSSL, used to
 * cross-check the node engine and available where OpenSSL is not wanted. noble verifies the tag before
 * it runs CTR, so on failure no plaintext ever exists. 16-byte IVs take GCM's GHASH-derived J0 path,
 * which noble supports (nonces of 8 bytes or more).
 */
import { gcm } from '@noble/ciphers/aes.js';
import type { AesGcmEngine } from './aes-gcm.js';
import { assertDecryptArgs, assertEncryptArgs } from './aes-gcm-args.js';
import { TagMismatchError } from './tag-mismatch-error.js';
import { TAG_BYTES } from './aes-gcm-sizes.js';

/** The message @noble/ciphers 2.x throws on a tag mismatch (pinned version; a test covers the mapping). */
const NOBLE_TAG_MISMATCH = /invalid tag/;

export function createNobleEngine(): AesGcmEngine {
  return Object.freeze({
    name: 'noble' as const,

    encrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
      assertEncryptArgs(key, iv, plaintext, aad);
      // noble returns ciphertext || tag; spec A5 wants the tag split off.
      const sealed = gcm(key, iv, aad).encrypt(plaintext);
      const split = sealed.length - TAG_BYTES;
      return { ciphertext: sealed.subarray(0, split), tag: sealed.slice(split) };
    },

    decrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array) {
      assertDecryptArgs(key, iv, ciphertext, tag, aad);
      const sealed = new Uint8Array(ciphertext.length + TAG_BYTES);
      sealed.set(ciphertext, 0);
      sealed.set(tag, ciphertext.length);
      try {
        return gcm(key, iv, aad).decrypt(sealed);
      } catch (err) {
        if (err instanceof Error && NOBLE_TAG_MISMATCH.test(err.message)) throw new TagMismatchError();
        throw err;
      } finally {
        sealed.fill(0);
      }
    },
  });
}
