/**
 * spec A9 / C25-C27: the Ciphertext Data Integrity Value.
 *   CDIV = base64(SHA-256(AAD || meta || IV || ciphertext || tag))
 * No length prefixes, unlike A8: KMS recomputes it the same way to catch accidental bit flips, so any
 * framing of ours would only make it disagree with KMS.
 */
import { createHash } from 'node:crypto';

export interface CdivParts {
  /** The request's AAD (decoded). Absent counts as empty. */
  aad?: Uint8Array;
  /** The response's ciphertextMetadata (decoded). Absent counts as empty. */
  metadata?: Uint8Array;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

/** spec A9: ciphertextDataIntegrityValueAlgorithm SHA_256, base64 standard alphabet with padding. */
export function computeCdiv(parts: CdivParts): string {
  const hash = createHash('sha256');
  if (parts.aad) hash.update(parts.aad);
  if (parts.metadata) hash.update(parts.metadata);
  return hash.update(parts.iv).update(parts.ciphertext).update(parts.tag).digest('base64');
}
