/**
 * AES-256-GCM behind one small interface, with two interchangeable engines: node:crypto (OpenSSL, fast)
 * and @noble/ciphers (audited pure JS, independent). Tests hold them to the same known answers and to
 * each other. Bytes in, bytes out: the callers frame the AAD (spec A8) and encode base64.
 */
import { createNobleEngine } from './noble-engine.js';
import { createNodeEngine } from './node-engine.js';

export { TagMismatchError } from './tag-mismatch-error.js';

export type AesGcmEngineName = 'node' | 'noble';

export interface AesGcmEngine {
  readonly name: AesGcmEngineName;
  /** key 32 B, iv 12 or 16 B. Returns the ciphertext (same length as the plaintext) and the 16-byte tag split off (spec A5). */
  encrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): { ciphertext: Uint8Array; tag: Uint8Array };
  /** Throws TagMismatchError when authentication fails; no plaintext is returned or kept (spec A6). */
  decrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array): Uint8Array;
}

export const AES_GCM_ENGINE_NAMES: readonly AesGcmEngineName[] = Object.freeze(['node', 'noble']);

export function createAesGcmEngine(name: AesGcmEngineName): AesGcmEngine {
  switch (name) {
    case 'node':
      return createNodeEngine();
    case 'noble':
      return createNobleEngine();
    default: {
      // Reached only when an unchecked string slips past the type system (e.g. config): refuse it loudly.
      const got: never = name;
      throw new TypeError(`aes-gcm: engine: expected one of ${AES_GCM_ENGINE_NAMES.join(', ')}, got ${String(got)}`);
    }
  }
}
