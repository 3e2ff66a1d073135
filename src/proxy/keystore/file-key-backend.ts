import type { AesGcmEngine } from '../../crypto/aes-gcm.js';
import type { RandomBytes } from '../../crypto/random.js';
import { GENERATED_IV_BYTES } from '../../xks/limits.js';
import { TagMismatchError } from '../../crypto/tag-mismatch-error.js';
import { cdivOf, roundTripsWiped } from './checked-seal.js';
import type { CdivContext, GcmSealed, KeyBackend } from './key-backend.js';
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
  function seal(externalKeyId: string, version: number, plaintext: Uint8Array, gcmAad: Uint8Array): GcmSealed {
    const key = material(externalKeyId, version);
    // spec A5 / C33: a fresh 12-byte IV from a CSPRNG for every call.
    const iv = crypto.random(GENERATED_IV_BYTES);
    const { ciphertext, tag } = crypto.engine.encrypt(key, iv, plaintext, gcmAad);
    return { iv, ciphertext, tag };
  }
  const open = (externalKeyId: string, version: number, sealed: GcmSealed, gcmAad: Uint8Array): Uint8Array =>
    crypto.engine.decrypt(material(externalKeyId, version), sealed.iv, sealed.ciphertext, sealed.tag, gcmAad);
  return Object.freeze({
    kind: 'keyDirectory' as const,
    getKey: async (externalKeyId: string) => keys.getKey(externalKeyId),
    encrypt: async (externalKeyId: string, version: number, plaintext: Uint8Array, gcmAad: Uint8Array): Promise<GcmSealed> => seal(externalKeyId, version, plaintext, gcmAad),
    async encryptChecked(externalKeyId: string, version: number, plaintext: Uint8Array, gcmAad: Uint8Array, context: CdivContext) {
      const sealed = seal(externalKeyId, version, plaintext, gcmAad);
      const cdiv = cdivOf(context, sealed);
      try {
        return { sealed, cdiv, roundTrips: roundTripsWiped(open(externalKeyId, version, sealed, gcmAad), plaintext) };
      } catch (error) {
        if (error instanceof TagMismatchError) return { sealed, cdiv, roundTrips: false };
        throw error;
      }
    },
    decrypt: async (externalKeyId: string, version: number, sealed: GcmSealed, gcmAad: Uint8Array): Promise<Uint8Array> => open(externalKeyId, version, sealed, gcmAad),
    probe: async () => undefined,
    stats: () => ({}),
    close: async () => undefined,
  });
}
