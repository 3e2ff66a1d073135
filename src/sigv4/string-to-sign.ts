import { SIGV4_ALGORITHM } from './constants.js';
import { hashPayload } from './hash-payload.js';

/** spec A12: `AWS4-HMAC-SHA256` \n X-Amz-Date \n credential scope \n hex SHA-256(canonical request). */
export function buildStringToSign(amzDate: string, credentialScope: string, canonicalRequest: string): string {
  return `${SIGV4_ALGORITHM}\n${amzDate}\n${credentialScope}\n${hashPayload(canonicalRequest)}`;
}
