/**
 * The awsJson1_1 envelope (spec B7): `POST /`, `X-Amz-Target: TrentService.<Operation>`, JSON body,
 * SigV4 signing name `kms`. Pure helpers; the Express adapter lives in create-kms-app.ts.
 */
import { kmsError } from './kms-exceptions.js';
import type { JsonObject } from './fields.js';

export const TARGET_PREFIX = 'TrentService.';
export const KMS_CONTENT_TYPE = 'application/x-amz-json-1.1';

export function parseTarget(header: string | undefined): string {
  if (header === undefined || !header.startsWith(TARGET_PREFIX) || header.length === TARGET_PREFIX.length) {
    throw kmsError.UnknownOperationException('Missing or malformed X-Amz-Target header; expected TrentService.<Operation>');
  }
  return header.slice(TARGET_PREFIX.length);
}

/** spec B7: an empty body is `{}`; anything else must be a JSON object. */
export function parseKmsBody(raw: Buffer | undefined): JsonObject {
  if (raw === undefined || raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw kmsError.SerializationException('Request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw kmsError.SerializationException('Request body must be a JSON object');
  }
  return parsed as JsonObject;
}
