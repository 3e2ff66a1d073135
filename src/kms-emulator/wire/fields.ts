/**
 * Readers for awsJson1_1 request members (spec B7). Each reader takes the parsed body and a member name,
 * checks type, length and pattern like KMS does, and throws ValidationException with KMS's message shape:
 * "1 validation error detected: Value '<v>' at '<member>' failed to satisfy constraint: Member must ...".
 * Sensitive members never echo their value.
 */
import { kmsError } from './kms-exceptions.js';

export type JsonObject = Readonly<Record<string, unknown>>;

export interface StringRule {
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  readonly oneOf?: readonly string[];
  readonly sensitive?: boolean;
  /** The member's path in messages when it is nested, e.g. `XksProxyAuthenticationCredential.AccessKeyId`. */
  readonly at?: string;
}

/** KMS names members in messages lower-camel, each segment of a nested path: `xksProxyAuthenticationCredential.accessKeyId`. */
export function lowerFirst(name: string): string {
  return name
    .split('.')
    .map((part) => part.charAt(0).toLowerCase() + part.slice(1))
    .join('.');
}

function shown(value: string, sensitive: boolean | undefined): string {
  if (sensitive) return '***';
  return value.length > 64 ? `${value.slice(0, 61)}...` : value;
}

export function validationFailure(member: string, value: string, constraint: string, sensitive?: boolean): Error {
  return kmsError.ValidationException(
    `1 validation error detected: Value '${shown(value, sensitive)}' at '${lowerFirst(member)}' failed to satisfy constraint: Member must ${constraint}`,
  );
}

export function checkString(name: string, value: unknown, rule: StringRule): string {
  const member = rule.at ?? name;
  if (typeof value !== 'string') {
    throw kmsError.SerializationException(`Member ${member} must be a string`);
  }
  if (rule.min !== undefined && value.length < rule.min) {
    throw validationFailure(member, value, `have length greater than or equal to ${rule.min}`, rule.sensitive);
  }
  if (rule.max !== undefined && value.length > rule.max) {
    throw validationFailure(member, value, `have length less than or equal to ${rule.max}`, rule.sensitive);
  }
  if (rule.pattern !== undefined && !rule.pattern.test(value)) {
    throw validationFailure(member, value, `satisfy regular expression pattern: ${rule.pattern.source}`, rule.sensitive);
  }
  if (rule.oneOf !== undefined && !rule.oneOf.includes(value)) {
    throw validationFailure(member, value, `satisfy enum value set: [${rule.oneOf.join(', ')}]`, rule.sensitive);
  }
  return value;
}

export function optionalString(body: JsonObject, member: string, rule: StringRule = {}): string | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  return checkString(member, value, rule);
}

export function requiredString(body: JsonObject, member: string, rule: StringRule = {}): string {
  const value = optionalString(body, member, rule);
  if (value === undefined) {
    throw kmsError.ValidationException(
      `1 validation error detected: Value null at '${lowerFirst(rule.at ?? member)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

export function optionalInteger(body: JsonObject, member: string, min: number, max: number): number | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw kmsError.SerializationException(`Member ${member} must be an integer`);
  }
  if (value < min) throw validationFailure(member, String(value), `have value greater than or equal to ${min}`);
  if (value > max) throw validationFailure(member, String(value), `have value less than or equal to ${max}`);
  return value;
}

export function optionalBoolean(body: JsonObject, member: string): boolean | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw kmsError.SerializationException(`Member ${member} must be a boolean`);
  return value;
}

/** A list of strings, each checked by `rule`; `maxItems` from the API model. */
export function optionalStringList(body: JsonObject, member: string, rule: StringRule, maxItems = Infinity): string[] | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw kmsError.SerializationException(`Member ${member} must be a list`);
  if (value.length > maxItems) throw validationFailure(member, `[${value.length} items]`, `have length less than or equal to ${maxItems}`);
  return value.map((v: unknown) => checkString(member, v, rule));
}

/** A list of objects (e.g. Tags). */
export function optionalObjectList(body: JsonObject, member: string): JsonObject[] | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v))) {
    throw kmsError.SerializationException(`Member ${member} must be a list of objects`);
  }
  return value as JsonObject[];
}

export function optionalObject(body: JsonObject, member: string): JsonObject | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw kmsError.SerializationException(`Member ${member} must be an object`);
  }
  return value as JsonObject;
}

/** Strict base64 (RFC 4648 s.4, padded): Node's decoder silently accepts garbage and URL-safe input. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function requiredBlob(body: JsonObject, member: string, min: number, max: number): Buffer {
  const value = body[member];
  if (value === undefined || value === null) {
    throw kmsError.ValidationException(
      `1 validation error detected: Value null at '${lowerFirst(member)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw kmsError.SerializationException(`Member ${member} must be a base64-encoded blob`);
  }
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < min) throw validationFailure(member, '***', `have length greater than or equal to ${min}`, true);
  if (bytes.length > max) throw validationFailure(member, '***', `have length less than or equal to ${max}`, true);
  return bytes;
}

/** The canonical encryption context (ciphertext-blob.ts) frames each key and value with a uint16 length. */
const MAX_CONTEXT_PART_BYTES = 0xffff;
/**
 * The size KMS allows for an encryption context: 8192 bytes of UTF-8 over all keys and values (the emulator's
 * strict reading of AWS's "up to 8 KB"; documented in docs/kms-emulator.md).
 */
export const MAX_ENCRYPTION_CONTEXT_BYTES = 8192;

/**
 * EncryptionContext: a map of string to string (API model EncryptionContextType). The result has no prototype, so
 * a `__proto__` key is an entry like any other (assigning it on a plain object would drop it from the context).
 */
export function optionalEncryptionContext(body: JsonObject, member: string): Readonly<Record<string, string>> {
  const value = optionalObject(body, member);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (value === undefined) return out;
  let total = 0;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw kmsError.SerializationException(`Member ${member} must map strings to strings`);
    total += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(v, 'utf8');
    if (total > MAX_ENCRYPTION_CONTEXT_BYTES) {
      throw kmsError.ValidationException(`${member} is too large: its keys and values must total at most ${MAX_ENCRYPTION_CONTEXT_BYTES} bytes of UTF-8.`);
    }
    if (Buffer.byteLength(k, 'utf8') > MAX_CONTEXT_PART_BYTES || Buffer.byteLength(v, 'utf8') > MAX_CONTEXT_PART_BYTES) {
      throw kmsError.ValidationException(`Each key and value of ${member} must be at most ${MAX_CONTEXT_PART_BYTES} bytes of UTF-8.`);
    }
    out[k] = v;
  }
  return out;
}
