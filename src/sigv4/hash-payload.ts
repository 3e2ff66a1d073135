import { createHash } from 'node:crypto';

/** Lowercase hex SHA-256 of the exact bytes (spec A12: the last line of the canonical request). Strings are UTF-8. */
export function hashPayload(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
