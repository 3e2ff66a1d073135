import { decodeBase64Strict } from '../crypto/base64.js';
import { UnsupportedOperationException, ValidationException } from '../errors/xks-errors.js';
import {
  ACCEPTED_IV_BYTES,
  MAX_AAD_BYTES,
  MAX_CIPHERTEXT_METADATA_BYTES,
  MAX_METADATA_STRING_CHARS,
  MAX_PLAINTEXT_BYTES,
  TAG_BYTES,
} from './limits.js';
import type { DecryptRequest, EncryptRequest, GetHealthStatusRequest, GetKeyMetadataRequest, RequestMetadata, XksOperation } from './wire-types.js';

/**
 * One strict parser per operation: `unknown` in, typed value out, or ValidationException (malformed) /
 * UnsupportedOperationException (well-formed but above our documented limits, spec A10). Unknown fields are
 * ignored (spec A3); unknown kmsOperation values are accepted (spec C12); kmsRequestId is opaque (spec C13).
 */

type JsonObject = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function get(obj: JsonObject, name: string): unknown {
  return Object.hasOwn(obj, name) ? obj[name] : undefined;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function optionalString(obj: JsonObject, name: string, path: string): string | undefined {
  const value = get(obj, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ValidationException(`${path}${name} must be a string, got ${describeType(value)}`);
  if (value.length > MAX_METADATA_STRING_CHARS) {
    throw new UnsupportedOperationException(`${path}${name} is longer than this proxy's limit of ${MAX_METADATA_STRING_CHARS} characters`);
  }
  return value;
}

function requiredString(obj: JsonObject, name: string, path: string): string {
  const value = optionalString(obj, name, path);
  if (value === undefined) throw new ValidationException(`${path}${name} is required`);
  return value;
}

/** Which requestMetadata members each API requires (spec A3 table). */
const REQUIRED_METADATA: Readonly<Record<XksOperation, readonly (keyof RequestMetadata)[]>> = {
  GetHealthStatus: ['kmsRequestId', 'kmsOperation'],
  GetKeyMetadata: ['awsPrincipalArn', 'kmsOperation', 'kmsRequestId'],
  Encrypt: ['awsPrincipalArn', 'kmsKeyArn', 'kmsOperation', 'kmsRequestId'],
  Decrypt: ['awsPrincipalArn', 'kmsKeyArn', 'kmsOperation', 'kmsRequestId'],
};

const METADATA_FIELDS: readonly (keyof RequestMetadata)[] = [
  'awsPrincipalArn',
  'awsSourceVpc',
  'awsSourceVpce',
  'kmsKeyArn',
  'kmsOperation',
  'kmsRequestId',
  'kmsViaService',
];

export function parseRequestMetadata(body: unknown, operation: XksOperation): RequestMetadata {
  if (!isObject(body)) throw new ValidationException(`The request body must be a JSON object, got ${describeType(body)}`);
  const metadata = get(body, 'requestMetadata');
  if (metadata === undefined) throw new ValidationException('requestMetadata is required');
  if (!isObject(metadata)) throw new ValidationException(`requestMetadata must be an object, got ${describeType(metadata)}`);
  const required = REQUIRED_METADATA[operation];
  const out: Record<string, string> = {};
  for (const field of METADATA_FIELDS) {
    const value = required.includes(field)
      ? requiredString(metadata, field, 'requestMetadata.')
      : optionalString(metadata, field, 'requestMetadata.');
    if (value !== undefined) out[field] = value;
  }
  return out as unknown as RequestMetadata;
}

/** The audit fields of a body that may be malformed: used for logging before (or despite) validation. */
export function peekRequestMetadata(body: unknown): Partial<Record<keyof RequestMetadata, string>> {
  const metadata = isObject(body) ? get(body, 'requestMetadata') : undefined;
  if (!isObject(metadata)) return {};
  const out: Partial<Record<keyof RequestMetadata, string>> = {};
  for (const field of METADATA_FIELDS) {
    const value = get(metadata, field);
    if (typeof value === 'string') out[field] = value.slice(0, MAX_METADATA_STRING_CHARS);
  }
  return out;
}

interface BytesRule {
  /** Inclusive bounds on the decoded length; above `max` is UnsupportedOperationException when `maxIsOurLimit`. */
  readonly min?: number;
  readonly max: number;
  readonly maxIsOurLimit: boolean;
  readonly exact?: readonly number[];
}

function optionalBytes(obj: JsonObject, name: string, rule: BytesRule): Uint8Array | undefined {
  const value = get(obj, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ValidationException(`${name} must be a base64 string, got ${describeType(value)}`);
  // Refuse by length before decoding: 4 base64 chars carry 3 bytes.
  if (value.length > Math.ceil(rule.max / 3) * 4) throw sizeError(name, rule);
  const bytes = decodeBase64Strict(value);
  if (bytes === undefined) throw new ValidationException(`${name} must be standard base64 with padding (RFC 4648 section 4)`);
  if (bytes.length > rule.max) throw sizeError(name, rule);
  if (rule.exact !== undefined && !rule.exact.includes(bytes.length)) {
    throw new ValidationException(`${name} must decode to ${rule.exact.join(' or ')} bytes, got ${bytes.length}`);
  }
  if (rule.min !== undefined && bytes.length < rule.min) {
    throw new ValidationException(`${name} must decode to at least ${rule.min} byte${rule.min === 1 ? '' : 's'}, got ${bytes.length}`);
  }
  return bytes;
}

function sizeError(name: string, rule: BytesRule): Error {
  return rule.maxIsOurLimit
    ? new UnsupportedOperationException(`${name} is larger than this proxy's limit of ${rule.max} bytes`)
    : new ValidationException(`${name} must decode to at most ${rule.max} bytes`);
}

function requiredBytes(obj: JsonObject, name: string, rule: BytesRule): Uint8Array {
  const bytes = optionalBytes(obj, name, rule);
  if (bytes === undefined) throw new ValidationException(`${name} is required`);
  return bytes;
}

const PLAINTEXT_RULE: BytesRule = { min: 1, max: MAX_PLAINTEXT_BYTES, maxIsOurLimit: true };
const AAD_RULE: BytesRule = { max: MAX_AAD_BYTES, maxIsOurLimit: true };
/** spec A6 / C36: metadata <= 20 bytes is a spec rule, not our limit. */
const METADATA_RULE: BytesRule = { max: MAX_CIPHERTEXT_METADATA_BYTES, maxIsOurLimit: false };
const IV_RULE: BytesRule = { max: 16, maxIsOurLimit: false, exact: ACCEPTED_IV_BYTES };
const TAG_RULE: BytesRule = { max: TAG_BYTES, maxIsOurLimit: false, exact: [TAG_BYTES] };

/** spec A5 / C22: encryptionAlgorithm MUST be AES_GCM. */
function requireAlgorithm(obj: JsonObject): 'AES_GCM' {
  const value = get(obj, 'encryptionAlgorithm');
  if (value === undefined) throw new ValidationException('encryptionAlgorithm is required');
  if (value !== 'AES_GCM') throw new ValidationException('encryptionAlgorithm must be AES_GCM');
  return value;
}

function asObject(body: unknown): JsonObject {
  if (!isObject(body)) throw new ValidationException(`The request body must be a JSON object, got ${describeType(body)}`);
  return body;
}

/**
 * spec A7: both kmsRequestId and kmsOperation are REQUIRED. The A10 table says "all but Health" for
 * ValidationException, but AWS's reference proxy and XKS test tooling refuse a health body without them (A10 note).
 */
export function parseGetHealthStatusRequest(body: unknown): GetHealthStatusRequest {
  return { requestMetadata: parseRequestMetadata(body, 'GetHealthStatus') };
}

export function parseGetKeyMetadataRequest(body: unknown): GetKeyMetadataRequest {
  return { requestMetadata: parseRequestMetadata(body, 'GetKeyMetadata') };
}

export function parseEncryptRequest(body: unknown): EncryptRequest {
  const requestMetadata = parseRequestMetadata(body, 'Encrypt');
  const obj = asObject(body);
  const plaintext = requiredBytes(obj, 'plaintext', PLAINTEXT_RULE);
  const encryptionAlgorithm = requireAlgorithm(obj);
  const additionalAuthenticatedData = optionalBytes(obj, 'additionalAuthenticatedData', AAD_RULE);
  const cdivAlgorithm = get(obj, 'ciphertextDataIntegrityValueAlgorithm');
  // spec A5 / C25: the CDIV algorithm, when given, MUST be SHA_256.
  if (cdivAlgorithm !== undefined && cdivAlgorithm !== 'SHA_256') {
    throw new ValidationException('ciphertextDataIntegrityValueAlgorithm must be SHA_256');
  }
  return {
    requestMetadata,
    plaintext,
    encryptionAlgorithm,
    ...(additionalAuthenticatedData !== undefined && { additionalAuthenticatedData }),
    ...(cdivAlgorithm !== undefined && { ciphertextDataIntegrityValueAlgorithm: 'SHA_256' as const }),
  };
}

export function parseDecryptRequest(body: unknown): DecryptRequest {
  const requestMetadata = parseRequestMetadata(body, 'Decrypt');
  const obj = asObject(body);
  const ciphertext = requiredBytes(obj, 'ciphertext', PLAINTEXT_RULE);
  const ciphertextMetadata = optionalBytes(obj, 'ciphertextMetadata', METADATA_RULE);
  const encryptionAlgorithm = requireAlgorithm(obj);
  const additionalAuthenticatedData = optionalBytes(obj, 'additionalAuthenticatedData', AAD_RULE);
  const initializationVector = requiredBytes(obj, 'initializationVector', IV_RULE);
  const authenticationTag = requiredBytes(obj, 'authenticationTag', TAG_RULE);
  return {
    requestMetadata,
    ciphertext,
    encryptionAlgorithm,
    initializationVector,
    authenticationTag,
    ...(ciphertextMetadata !== undefined && { ciphertextMetadata }),
    ...(additionalAuthenticatedData !== undefined && { additionalAuthenticatedData }),
  };
}
