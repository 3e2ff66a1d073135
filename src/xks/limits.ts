/**
 * Every number the XKS wire format depends on, in one place, each with the clause it comes from.
 * "Spec minimum" values are what we MUST handle; our limits are above them and documented in docs/api.md "Limits".
 */

/** spec A2: the API base path that follows the optional prefix. */
export const XKS_API_BASE = '/kms/xks/v1';
/** spec A2 / C7: XksProxyUriPath ([/<prefix>]/kms/xks/v1) is at most 128 chars. */
export const MAX_URI_PATH_LENGTH = 128;
/** spec A2 / C11: externalKeyId is 1..128 chars of A-Za-z0-9-._ */
export const EXTERNAL_KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** spec A5 / C20, A6 / C35: plaintext and ciphertext of at least 4300 bytes MUST be handled. */
export const SPEC_MIN_PLAINTEXT_BYTES = 4300;
/** spec A5 / C24: AAD of at least 8192 bytes MUST be handled. */
export const SPEC_MIN_AAD_BYTES = 8192;
/** spec C5: ARNs up to 2048 chars MUST be accepted. */
export const SPEC_MIN_ARN_CHARS = 2048;

/** Our limit for plaintext / ciphertext (decoded), above the spec minimum. Above it: 501 UnsupportedOperationException. */
export const MAX_PLAINTEXT_BYTES = 65_536;
/** Our AAD limit: the A8 framing carries the AAD length in a uint16, so 65535 is the hard ceiling. */
export const MAX_AAD_BYTES = 65_535;
/** Our limit for every requestMetadata string (ARNs, ids, operation names). */
export const MAX_METADATA_STRING_CHARS = SPEC_MIN_ARN_CHARS;
/** spec A5 / C29, A6 / C36: ciphertextMetadata is at most 20 bytes decoded. */
export const MAX_CIPHERTEXT_METADATA_BYTES = 20;
/** spec A5 / C33, C34, A1: the AES-256-GCM sizes, defined by the crypto core and listed here with the wire's limits. */
export { ACCEPTED_IV_BYTES, GENERATED_IV_BYTES, KEY_BYTES, TAG_BYTES } from '../crypto/aes-gcm-sizes.js';

/**
 * The largest request body we read. Worst legal case: 64 KiB plaintext and 64 KiB AAD in base64 (2 x 87,384 chars),
 * 12 metadata strings of 2048 chars and JSON punctuation, well under 256 KiB. Enforced while reading: a larger
 * body is refused before it is buffered whole (501 UnsupportedOperationException).
 */
export const MAX_BODY_BYTES = 256 * 1024;

/** spec A4 / C16: keyUsage has at most 10 entries. */
export const MAX_KEY_USAGE_ENTRIES = 10;
/** spec A7 / C45: ekmFleetDetails has 1..10 entries. */
export const MAX_EKM_FLEET_ENTRIES = 10;
