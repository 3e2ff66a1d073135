import { TagMismatchError } from '../../crypto/aes-gcm.js';
import { encodeBase64 } from '../../crypto/base64.js';
import { InternalException, InvalidKeyUsageException } from '../../errors/xks-errors.js';
import type { GcmSealed, KeyBackend } from '../keystore/key-backend.js';
import { currentVersion, type KeyInfo } from '../keystore/key-store.js';
import { computeCdiv } from '../../xks/cdiv.js';
import { buildCiphertextMetadata } from '../../xks/ciphertext-metadata.js';
import { buildGcmAad } from '../../xks/gcm-aad.js';
import type { EncryptRequest, EncryptResponse } from '../../xks/wire-types.js';

/** How often Encrypt retries when its own check-decrypt fails (spec A9 step 4: error or retry from step 1). */
const CHECK_DECRYPT_ATTEMPTS = 2;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/**
 * spec A5, A8, A9. The caller has checked the key (requireUsableKey with ENCRYPT).
 * With a CDIV requested, the sequence is the spec's: encrypt, CDIV at once, check-decrypt, return.
 * The key's backend runs the cipher and chooses the IV (src/proxy/keystore/key-backend.ts).
 */
export async function encrypt(key: KeyInfo, request: EncryptRequest, backend: KeyBackend): Promise<EncryptResponse> {
  const wantsCdiv = request.ciphertextDataIntegrityValueAlgorithm === 'SHA_256';
  // spec A9 step 3 is an XKS Decrypt on the same key: a key without DECRYPT cannot give a CDIV, and skipping the
  // check-decrypt is not conformant. Refused before any crypto, as part of the key-usage check.
  if (wantsCdiv && !key.keyUsage.includes('DECRYPT')) {
    throw new InvalidKeyUsageException(
      `External key ${key.externalKeyId} does not allow DECRYPT, which a ciphertextDataIntegrityValueAlgorithm request needs (check-decrypt)`,
    );
  }
  const { version } = currentVersion(key);
  const metadata = buildCiphertextMetadata(version);
  const aad = request.additionalAuthenticatedData;
  const gcmAad = buildGcmAad(aad, metadata);

  for (let attempt = 1; ; attempt++) {
    // spec A5 / C33: the backend draws a fresh 12-byte IV for every call.
    const sealed = await backend.encrypt(key.externalKeyId, version, request.plaintext, gcmAad);
    const { iv, ciphertext, tag } = sealed;
    // spec A9 step 2: the CDIV is computed at once, before the check-decrypt, so corruption after it is caught.
    const cdiv = wantsCdiv ? computeCdiv({ aad, metadata, iv, ciphertext, tag }) : undefined;
    if (wantsCdiv && !(await roundTrips(backend, key.externalKeyId, version, sealed, gcmAad, request.plaintext))) {
      if (attempt < CHECK_DECRYPT_ATTEMPTS) continue;
      throw new InternalException('The key manager produced ciphertext that does not decrypt; retry the request', {
        detail: `check-decrypt failed ${attempt} times for key ${key.externalKeyId} version ${version}`,
      });
    }
    return {
      ciphertext: encodeBase64(ciphertext),
      ciphertextMetadata: encodeBase64(metadata),
      initializationVector: encodeBase64(iv),
      authenticationTag: encodeBase64(tag),
      ...(cdiv !== undefined && { ciphertextDataIntegrityValue: cdiv }),
    };
  }
}

async function roundTrips(backend: KeyBackend, externalKeyId: string, version: number, sealed: GcmSealed, gcmAad: Uint8Array, plaintext: Uint8Array): Promise<boolean> {
  try {
    const back = await backend.decrypt(externalKeyId, version, sealed, gcmAad);
    const ok = sameBytes(back, plaintext);
    back.fill(0);
    return ok;
  } catch (error) {
    if (error instanceof TagMismatchError) return false;
    throw error;
  }
}
