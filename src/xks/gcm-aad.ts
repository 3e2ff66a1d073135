/**
 * spec A8 / C30-C31: the GCM AAD binds ciphertextMetadata into the tag:
 *   gcmAAD = uint16_be(len(AAD)) || AAD || uint8(len(meta)) || meta
 * Both lengths are framed, so bytes cannot move between the AAD and the metadata and still verify.
 */

/** The A8 framing carries the AAD length in a uint16. */
const MAX_FRAMED_AAD_BYTES = 0xffff;
/** The A8 framing carries the metadata length in a uint8 (spec A5 caps metadata far lower, at 20 B). */
const MAX_FRAMED_METADATA_BYTES = 0xff;

/**
 * Absent parts count as length 0 with no bytes (spec A8 MUST), so no AAD and no metadata give 00 00 00.
 * Throws RangeError past the framing limits; request parsers reject such sizes earlier.
 */
export function buildGcmAad(aad: Uint8Array | undefined, metadata: Uint8Array | undefined): Uint8Array {
  const aadLength = aad?.length ?? 0;
  const metadataLength = metadata?.length ?? 0;
  if (aadLength > MAX_FRAMED_AAD_BYTES) {
    throw new RangeError(`gcm-aad: aad: expected at most ${MAX_FRAMED_AAD_BYTES} bytes, got ${aadLength}`);
  }
  if (metadataLength > MAX_FRAMED_METADATA_BYTES) {
    throw new RangeError(`gcm-aad: metadata: expected at most ${MAX_FRAMED_METADATA_BYTES} bytes, got ${metadataLength}`);
  }
  const out = new Uint8Array(2 + aadLength + 1 + metadataLength);
  out[0] = aadLength >>> 8;
  out[1] = aadLength & 0xff;
  if (aad) out.set(aad, 2);
  out[2 + aadLength] = metadataLength;
  if (metadata) out.set(metadata, 3 + aadLength);
  return out;
}
