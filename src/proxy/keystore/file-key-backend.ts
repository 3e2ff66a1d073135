import type { AesGcmEngine } from '../../crypto/aes-gcm.js';
import type { RandomBytes } from '../../crypto/random.js';
import { GENERATED_IV_BYTES } from '../../xks/limits.js';
import type { GcmSealed, KeyBackend } from './key-backend.js';
import type { KeyStore, KeyVersion } from './key-store.js';

export interface FileBackendCrypto {
  readonly engine: AesGcmEngine;
  readonly random: RandomBytes;
}

/**
 * The key files' backend: the material is in the process (loaded from `keyDirectory`), AES-256-GCM runs with the
 * configured engine. Resolves at once; the asynchronous shape is the interface's, not a cost of this backend.
 */
export function createFileKeyBackend(keys: KeyStore, crypto: FileBackendCrypto): KeyBackend {
  function material(externalKeyId: string, version: number): Uint8Array {
    const found: KeyVersion | undefined = keys.getKey(externalKeyId)?.versions.find((v) => v.version === version);
    // Unreachable through the operations (they ask for versions getKey reported); an error, never a guess.
    if (found === undefined) throw new Error(`key ${externalKeyId} has no version ${version}`);
    return found.material;
  }
  return Object.freeze({
    kind: 'keyDirectory' as const,
    getKey: async (externalKeyId: string) => keys.getKey(externalKeyId),
    async encrypt(externalKeyId: string, version: number, plaintext: Uint8Array, gcmAad: Uint8Array): Promise<GcmSealed> {
      const key = material(externalKeyId, version);
      // spec A5 / C33: a fresh 12-byte IV from a CSPRNG for every call.
      const iv = crypto.random(GENERATED_IV_BYTES);
      const { ciphertext, tag } = crypto.engine.encrypt(key, iv, plaintext, gcmAad);
      return { iv, ciphertext, tag };
    },
    async decrypt(externalKeyId: string, version: number, sealed: GcmSealed, gcmAad: Uint8Array): Promise<Uint8Array> {
      return crypto.engine.decrypt(material(externalKeyId, version), sealed.iv, sealed.ciphertext, sealed.tag, gcmAad);
    },
    probe: async () => undefined,
    stats: () => ({}),
    close: async () => undefined,
  });
}
