/** Pure SigV4 (spec A12): verify KMS requests in two phases, and sign requests as KMS does. No Express here. */
export {
  MAX_AUTHORIZATION_LENGTH,
  MAX_CLOCK_SKEW_MS,
  REQUIRED_SIGNED_HEADERS,
  SIGV4_ALGORITHM,
  SIGV4_TERMINATOR,
  XKS_SIGV4_SERVICE,
} from './constants.js';
export { SigV4Error, type SigV4FailureReason } from './sigv4-error.js';
export { formatAmzDate, parseAmzDate } from './amz-date.js';
export { parseAuthorization, type ParsedAuthorization } from './parse-authorization.js';
export { collectHeaders, type HeaderValues } from './collect-headers.js';
export {
  buildCanonicalHeaders,
  buildCanonicalQuery,
  buildCanonicalRequest,
  buildCanonicalRequestPrefix,
  type CanonicalRequestInput,
} from './canonical-request.js';
export { buildCredentialScope } from './credential-scope.js';
export { buildStringToSign } from './string-to-sign.js';
export { deriveSigningKey } from './signing-key.js';
export { createSigningKeyCache, type SigningKeyCache } from './signing-key-cache.js';
export { computeSignature } from './signature.js';
export { hashPayload } from './hash-payload.js';
export { authenticateHeaders, type SigV4HeadersInput, type SigV4Policy } from './authenticate-headers.js';
export { verifyPayloadSignature, type AuthResult, type PendingAuth } from './verify-payload-signature.js';
export { signRequest, type SignRequestInput } from './sign-request.js';
