/**
 * The awsJson1_1 envelope (spec B7): `POST /`, `X-Amz-Target: TrentService.<Operation>`, JSON body,
 * SigV4 signing name `kms`. Pure helpers; the Express adapter lives in create-kms-app.ts.
 */
import { kmsError } from '../kms-exceptions.js';
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

export interface SigV4Header {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/** By default the emulator, like other local emulators, accepts any well-formed SigV4 header for service `kms`. */
export function parseSigV4Authorization(header: string | undefined): SigV4Header {
  if (header === undefined || header === '') {
    throw kmsError.MissingAuthenticationTokenException('Missing Authentication Token');
  }
  const m = AUTH.exec(header.trim());
  if (m === null) {
    throw kmsError.IncompleteSignatureException('Authorization header is not a well-formed AWS4-HMAC-SHA256 signature');
  }
  const [, accessKeyId, date, region, service, signed, signature] = m as unknown as [string, string, string, string, string, string, string];
  if (service !== 'kms') {
    throw kmsError.InvalidSignatureException(`Credential should be scoped to correct service: 'kms', not '${service}'`);
  }
  return { accessKeyId, date, region, service, signedHeaders: signed.split(';'), signature };
}
