import { createHash } from 'node:crypto';

/**
 * Compatibility with ciphertext made by proxies that did not follow spec A8 (opt-in per key store:
 * `compat.sha256Aad`; docs/keys.md, "Compatibility mode").
 *
 * The aws-samples proxy (aws-samples/aws-kms-xks-proxy) passes SHA-256 of the request's
 * additionalAuthenticatedData to the HSM as the GCM AAD, where spec A8 puts the length-framed AAD and metadata.
 * The candidates below are the GCM AADs such a proxy could have used for one request:
 *   - AAD present: SHA-256(AAD), 32 bytes;
 *   - AAD absent:  SHA-256 of the empty string, and the empty AAD ([UNCONFIRMED] which one an old proxy used).
 * Each is one more GCM verification; a wrong guess fails on the tag like any forgery, so trying them costs
 * nothing in security. We never encrypt with them.
 */
export function buildSha256CompatAads(aad: Uint8Array | undefined): Uint8Array[] {
  const digest = (bytes: Uint8Array) => new Uint8Array(createHash('sha256').update(bytes).digest());
  if (aad !== undefined && aad.length > 0) return [digest(aad)];
  return [digest(new Uint8Array(0)), new Uint8Array(0)];
}
