import { TagMismatchError, type AesGcmEngine } from '../../crypto/aes-gcm.js';
import { encodeBase64 } from '../../crypto/base64.js';
import { InvalidCiphertextException } from '../../errors/xks-errors.js';
import type { KeyVersion, XksKey } from '../../keystore/key-store.js';
import { parseCiphertextMetadata } from '../ciphertext-metadata.js';
import { buildGcmAad } from '../gcm-aad.js';
import type { DecryptRequest, DecryptResponse } from '../wire-types.js';

const NOT_AUTHENTIC = 'The ciphertext, ciphertextMetadata, additionalAuthenticatedData, initializationVector or authenticationTag do not authenticate under this key';

/** The key versions to try, in order: the one our metadata names, or every version newest first for foreign metadata. */
function candidateVersions(key: XksKey, metadata: Uint8Array | undefined): readonly KeyVersion[] {
  const parsed = parseCiphertextMetadata(metadata);
  if (parsed.kind === 'foreign') return [...key.versions].reverse();
  const named = key.versions.find((v) => v.version === parsed.version);
  if (named === undefined) {
    throw new InvalidCiphertextException(NOT_AUTHENTIC, { detail: `ciphertextMetadata names key version ${parsed.version}, which ${key.externalKeyId} does not have` });
  }
  return [named];
}

/** spec A6, A8. The caller has checked the key (requireUsableKey with DECRYPT). A tag mismatch is InvalidCiphertextException. */
export function decrypt(key: XksKey, request: DecryptRequest, engine: AesGcmEngine): DecryptResponse {
  const gcmAad = buildGcmAad(request.additionalAuthenticatedData, request.ciphertextMetadata);
  for (const { material } of candidateVersions(key, request.ciphertextMetadata)) {
    try {
      const plaintext = engine.decrypt(material, request.initializationVector, request.ciphertext, request.authenticationTag, gcmAad);
      const response = { plaintext: encodeBase64(plaintext) };
      plaintext.fill(0);
      return response;
    } catch (error) {
      if (!(error instanceof TagMismatchError)) throw error;
    }
  }
  throw new InvalidCiphertextException(NOT_AUTHENTIC, { detail: 'GCM tag mismatch' });
}
