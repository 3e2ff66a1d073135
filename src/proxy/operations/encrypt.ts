import { encodeBase64 } from '../../crypto/base64.js';
import { InternalException, InvalidKeyUsageException } from '../../errors/xks-errors.js';
import type { GcmSealed, KeyBackend } from '../keystore/key-backend.js';
import { currentVersion, type KeyInfo } from '../keystore/key-store.js';
import { buildCiphertextMetadata } from '../../xks/ciphertext-metadata.js';
import { buildGcmAad } from '../../xks/gcm-aad.js';
import type { EncryptRequest, EncryptResponse } from '../../xks/wire-types.js';

/** How often Encrypt retries when its own check-decrypt fails (spec A9 step 4: error or retry from step 1). */
const CHECK_DECRYPT_ATTEMPTS = 2;

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

  // spec A5 / C33: the backend draws a fresh 12-byte IV for every call.
  if (!wantsCdiv) return response(await backend.encrypt(key.externalKeyId, version, request.plaintext, gcmAad), metadata);
  for (let attempt = 1; ; attempt++) {
    // spec A9 steps 1-3 in the backend: encrypt, the CDIV at once (so corruption after it is caught), check-decrypt.
    const checked = await backend.encryptChecked(key.externalKeyId, version, request.plaintext, gcmAad, { ...(aad !== undefined && { aad }), metadata });
    if (checked.roundTrips) return response(checked.sealed, metadata, checked.cdiv);
    if (attempt >= CHECK_DECRYPT_ATTEMPTS) {
      throw new InternalException('The key manager produced ciphertext that does not decrypt; retry the request', {
        detail: `check-decrypt failed ${attempt} times for key ${key.externalKeyId} version ${version}`,
      });
    }
  }
}

function response(sealed: GcmSealed, metadata: Uint8Array, cdiv?: string): EncryptResponse {
  return {
    ciphertext: encodeBase64(sealed.ciphertext),
    ciphertextMetadata: encodeBase64(metadata),
    initializationVector: encodeBase64(sealed.iv),
    authenticationTag: encodeBase64(sealed.tag),
    ...(cdiv !== undefined && { ciphertextDataIntegrityValue: cdiv }),
  };
}
