import { createHash } from 'node:crypto';
import { encodeBase64 } from '../crypto/base64.js';

/**
 * Compatibility with ciphertext made by AWS's sample proxy (aws-samples/aws-kms-xks-proxy), opt-in per key store
 * (`compat.sha256Aad`; docs/keys.md, "Compatibility mode").
 *
 * That proxy frames the GCM AAD like spec A8 but puts the SHA-256 digest of the request's AAD where A8 puts the AAD
 * itself (read from its source: xks-axum/src/xks_proxy/handlers/mod.rs, build_full_aad and aad_and_digest):
 *
 *   AAD field present (even empty): be16(len(AAD)) || SHA-256(AAD) || u8(len(md)) || md
 *   AAD field absent:               be16(0)                         || u8(len(md)) || md
 *
 * len(AAD) is the length of the decoded AAD (not of the digest); md is the request's ciphertextMetadata (that proxy
 * returned one static value from its configuration, 0..20 bytes; absent counts as 0 bytes). Without an AAD field
 * this is exactly the A8 framing. We decrypt with it; we never encrypt with it.
 */
export function buildAwsSampleGcmAad(aad: Uint8Array | undefined, metadata: Uint8Array | undefined): Uint8Array {
  const md = metadata ?? new Uint8Array(0);
  if (md.length > 0xff) throw new RangeError(`compat-aad: metadata: expected at most 255 bytes, got ${md.length}`);
  if (aad !== undefined && aad.length > 0xffff) throw new RangeError(`compat-aad: aad: expected at most 65535 bytes, got ${aad.length}`);
  const digest = aad === undefined ? new Uint8Array(0) : new Uint8Array(createHash('sha256').update(aad).digest());
  const aadLength = aad?.length ?? 0;
  const out = new Uint8Array(2 + digest.length + 1 + md.length);
  out[0] = aadLength >>> 8;
  out[1] = aadLength & 0xff;
  out.set(digest, 2);
  out[2 + digest.length] = md.length;
  out.set(md, 3 + digest.length);
  return out;
}

/**
 * Whether a request's metadata is the static metadata the sample proxy returned (`compat.ciphertextMetadata`,
 * base64; absent metadata counts as empty). No expectation configured: every metadata may be the sample's.
 */
export function isAwsSampleMetadata(metadata: Uint8Array | undefined, expectedBase64: string | undefined): boolean {
  if (expectedBase64 === undefined) return true;
  return encodeBase64(metadata ?? new Uint8Array(0)) === expectedBase64;
}
