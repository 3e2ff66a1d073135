import { TagMismatchError } from '../../crypto/aes-gcm.js';
import { encodeBase64 } from '../../crypto/base64.js';
import { InvalidCiphertextException } from '../../errors/xks-errors.js';
import type { KeyBackend } from '../keystore/key-backend.js';
import type { KeyInfo, KeyVersionInfo } from '../keystore/key-store.js';
import { parseCiphertextMetadata } from '../../xks/ciphertext-metadata.js';
import { buildAwsSampleGcmAad, isAwsSampleMetadata } from '../../xks/compat-aad.js';
import { buildGcmAad } from '../../xks/gcm-aad.js';
import type { DecryptRequest, DecryptResponse } from '../../xks/wire-types.js';

const NOT_AUTHENTIC = 'The ciphertext, ciphertextMetadata, additionalAuthenticatedData, initializationVector or authenticationTag do not authenticate under this key';

export interface DecryptOptions {
  /** Opt-in (config `compat.sha256Aad`): also try the GCM AAD of AWS's sample proxy (src/xks/compat-aad.ts). */
  readonly compatSha256Aad?: boolean;
  /** Config `compat.ciphertextMetadata` (base64): the sample's static metadata; other metadata skips that attempt. */
  readonly compatCiphertextMetadata?: string;
}

interface Attempt {
  readonly version: KeyVersionInfo;
  readonly gcmAad: Uint8Array;
}

/**
 * The (version, GCM AAD) pairs to try, in order.
 * - Our metadata (marker 0x01): only the version it names, with the A8 AAD. A missing version or a tag failure is
 *   InvalidCiphertextException; in compat mode the foreign attempts follow, since another proxy's metadata could
 *   happen to look like ours.
 * - Foreign or absent metadata: every version newest first with the A8 AAD, then (compat mode, and the metadata is
 *   the sample's when `compatCiphertextMetadata` names it) every version with the sample proxy's AAD.
 */
function attempts(key: KeyInfo, request: DecryptRequest, options: DecryptOptions): Attempt[] {
  const a8 = buildGcmAad(request.additionalAuthenticatedData, request.ciphertextMetadata);
  const newestFirst = [...key.versions].reverse();
  const foreign: Attempt[] = newestFirst.map((version) => ({ version, gcmAad: a8 }));
  if (options.compatSha256Aad === true && request.additionalAuthenticatedData !== undefined) {
    // Without an AAD field the sample's AAD is the A8 one, already tried above.
    if (isAwsSampleMetadata(request.ciphertextMetadata, options.compatCiphertextMetadata)) {
      const gcmAad = buildAwsSampleGcmAad(request.additionalAuthenticatedData, request.ciphertextMetadata);
      for (const version of newestFirst) foreign.push({ version, gcmAad });
    }
  }
  const parsed = parseCiphertextMetadata(request.ciphertextMetadata);
  if (parsed.kind === 'foreign') return foreign;
  const named = key.versions.find((v) => v.version === parsed.version);
  const ours: Attempt[] = named === undefined ? [] : [{ version: named, gcmAad: a8 }];
  if (options.compatSha256Aad === true) return [...ours, ...foreign.filter((a) => a.gcmAad !== a8 || a.version !== named)];
  if (named === undefined) {
    throw new InvalidCiphertextException(NOT_AUTHENTIC, { detail: `ciphertextMetadata names key version ${parsed.version}, which ${key.externalKeyId} does not have` });
  }
  return ours;
}

/**
 * spec A6, A8. The caller has checked the key (requireUsableKey with DECRYPT). The key's backend runs the cipher.
 * A tag mismatch is InvalidCiphertextException.
 */
export async function decrypt(key: KeyInfo, request: DecryptRequest, backend: KeyBackend, options: DecryptOptions = {}): Promise<DecryptResponse> {
  const sealed = { iv: request.initializationVector, ciphertext: request.ciphertext, tag: request.authenticationTag };
  for (const { version, gcmAad } of attempts(key, request, options)) {
    try {
      const plaintext = await backend.decrypt(key.externalKeyId, version.version, sealed, gcmAad);
      const response = { plaintext: encodeBase64(plaintext) };
      plaintext.fill(0);
      return response;
    } catch (error) {
      if (!(error instanceof TagMismatchError)) throw error;
    }
  }
  throw new InvalidCiphertextException(NOT_AUTHENTIC, { detail: 'GCM tag mismatch' });
}
