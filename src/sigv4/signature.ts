import { createHmac } from 'node:crypto';

/** spec A12: Signature = lowercase hex HMAC-SHA256(signing key, string to sign). */
export function computeSignature(signingKey: Uint8Array, stringToSign: string): string {
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}
