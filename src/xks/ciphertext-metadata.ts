/**
 * Our ciphertextMetadata layout (spec A5: vendor data, <= 20 bytes, bound into the tag by A8):
 *
 *   byte 0     format marker. 0x01 = "xks-proxy layout 1, GCM AAD built per spec A8".
 *              A future AAD scheme gets a new marker, so old ciphertext keeps decrypting (spec A8 / C32).
 *   bytes 1-4  key version, uint32 big-endian (the version of the key material that encrypted).
 *
 * Metadata we did not write (absent, another proxy's) is "foreign": Decrypt then tries every version of the key,
 * newest first; the GCM tag makes a wrong guess fail safely.
 */
export const METADATA_MARKER_A8_V1 = 0x01;
export const METADATA_A8_V1_LENGTH = 5;

export function buildCiphertextMetadata(version: number): Uint8Array {
  const out = new Uint8Array(METADATA_A8_V1_LENGTH);
  out[0] = METADATA_MARKER_A8_V1;
  new DataView(out.buffer).setUint32(1, version, false);
  return out;
}

export type ParsedCiphertextMetadata = { readonly kind: 'a8-v1'; readonly version: number } | { readonly kind: 'foreign' };

export function parseCiphertextMetadata(metadata: Uint8Array | undefined): ParsedCiphertextMetadata {
  if (metadata?.length === METADATA_A8_V1_LENGTH && metadata[0] === METADATA_MARKER_A8_V1) {
    return { kind: 'a8-v1', version: new DataView(metadata.buffer, metadata.byteOffset, metadata.byteLength).getUint32(1, false) };
  }
  return { kind: 'foreign' };
}
