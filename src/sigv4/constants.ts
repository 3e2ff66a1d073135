/**
 * SigV4 numbers and literals, each with the clause it comes from.
 * Clause ids (A12, C69...) are defined in docs/spec-coverage.md.
 */

/** spec A12: the only algorithm KMS uses in the Authorization header. */
export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

/** spec A12: last element of the credential scope. */
export const SIGV4_TERMINATOR = 'aws4_request';

/** spec A12: the service name in the credential scope of every XKS request. */
export const XKS_SIGV4_SERVICE = 'kms-xks-proxy';

/** spec A12 (Freshness): more than 5 minutes in the past or future SHOULD fail authentication. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** spec A12: `SignedHeaders` must cover these (KMS signs exactly `host;x-amz-date`). */
export const REQUIRED_SIGNED_HEADERS: readonly string[] = ['host', 'x-amz-date'];

/**
 * Our choice, not in the spec: the longest Authorization header we try to parse. KMS sends about 200
 * characters; 4096 leaves room for clients that sign many headers while bounding the parser's work.
 */
export const MAX_AUTHORIZATION_LENGTH = 4096;

/** Length of a hex SHA-256 / HMAC-SHA256 value (spec A12: `Signature=<64 hex>`). */
export const SIGNATURE_HEX_LENGTH = 64;
