/**
 * What KMS checks in a key policy document before it stores it: the PolicyType constraints of the API model, the
 * 32 KB quota, and that the document is a JSON policy (MalformedPolicyDocumentException). Its principals and the
 * lockout safety check are key-access.ts's (they need the caller); evaluation is access/decide-access.ts.
 */
import { kmsError } from '../wire/kms-exceptions.js';
import { checkString, type JsonObject } from '../wire/fields.js';

/** API model PolicyType. */
export const POLICY = { min: 1, max: 131_072, pattern: /^[\u0009\u000A\u000D\u0020-\u00FF]+$/ } as const;
/** KMS quota "Key policy document size": 32 KB. */
export const MAX_POLICY_BYTES = 32_768;
/** API model PolicyNameType; the only key policy name KMS has. */
export const POLICY_NAME = { min: 1, max: 128, pattern: /^[\w]+$/ } as const;
export const DEFAULT_POLICY_NAME = 'default';
const VERSIONS = ['2012-10-17', '2008-10-17'];
const EFFECTS = ['Allow', 'Deny'];

function malformed(reason: string): Error {
  return kmsError.MalformedPolicyDocumentException(`The key policy is malformed: ${reason}`);
}

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Returns the policy text as given, or throws ValidationException / LimitExceededException / MalformedPolicyDocumentException. */
export function checkKeyPolicy(value: unknown, member = 'Policy'): string {
  const text = checkString(member, value, POLICY);
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) {
    throw kmsError.LimitExceededException(`The key policy is ${Buffer.byteLength(text, 'utf8')} bytes; the quota is ${MAX_POLICY_BYTES} bytes.`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed('it is not valid JSON.');
  }
  if (!isObject(doc)) throw malformed('it must be a JSON object.');
  if (doc['Version'] !== undefined && !VERSIONS.includes(String(doc['Version']))) throw malformed(`Version must be ${VERSIONS.join(' or ')}.`);
  const statements = Array.isArray(doc['Statement']) ? (doc['Statement'] as unknown[]) : doc['Statement'] === undefined ? [] : [doc['Statement']];
  if (statements.length === 0) throw malformed('it needs at least one Statement.');
  statements.forEach((s, i) => {
    if (!isObject(s)) throw malformed(`Statement ${i + 1} must be an object.`);
    if (typeof s['Effect'] !== 'string' || !EFFECTS.includes(s['Effect'])) throw malformed(`Statement ${i + 1} needs Effect Allow or Deny.`);
    if (s['Principal'] === undefined && s['NotPrincipal'] === undefined) throw malformed(`Statement ${i + 1} must contain one or more principals.`);
    if (s['Action'] === undefined && s['NotAction'] === undefined) throw malformed(`Statement ${i + 1} needs Action or NotAction.`);
  });
  return text;
}
