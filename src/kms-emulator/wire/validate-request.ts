/**
 * The validation KMS runs on a request before the operation (the API model's `required` and enum traits), with
 * every violation reported in one ValidationException, as AWS does:
 * "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; ...".
 * Nested members carry their path (`xksProxyAuthenticationCredential.accessKeyId`, `tags.1.member.tagKey`). The
 * rules come from kms-model.ts, generated from the SDK's model. A member of the wrong JSON type is left to the
 * operation's reader (SerializationException); length and pattern rules stay with each operation.
 */
import { kmsError } from './kms-exceptions.js';
import { lowerFirst, type JsonObject } from './fields.js';
import { KMS_ENUMS, KMS_STRUCTURES } from './kms-model.js';

function shown(v: string): string {
  return v.length > 64 ? `${v.slice(0, 61)}...` : v;
}

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Every violation in `body` against structure `shape`, as AWS words each one. */
export function findViolations(shape: string, body: JsonObject, path = ''): string[] {
  const members = KMS_STRUCTURES[shape];
  if (members === undefined) return [];
  const out: string[] = [];
  for (const [name, m] of Object.entries(members)) {
    const at = `${path}${lowerFirst(name)}`;
    const v = body[name];
    if (v === undefined || v === null) {
      if (m.r === 1) out.push(`Value null at '${at}' failed to satisfy constraint: Member must not be null`);
      continue;
    }
    const values = m.of === undefined ? undefined : KMS_ENUMS[m.of];
    if (m.k === 'enum' && values !== undefined && typeof v === 'string' && !values.includes(v)) {
      out.push(`Value '${shown(v)}' at '${at}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(', ')}]`);
    } else if (m.k === 'list' && Array.isArray(v)) {
      const items = v as unknown[];
      if (values !== undefined && items.some((x) => typeof x === 'string' && !values.includes(x))) {
        out.push(`Value '[${shown(items.map(String).join(', '))}]' at '${at}' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${values.join(', ')}]]`);
      } else if (m.of !== undefined && KMS_STRUCTURES[m.of] !== undefined) {
        items.forEach((x, i) => {
          if (isObject(x)) out.push(...findViolations(m.of ?? '', x, `${at}.${i + 1}.member.`));
        });
      }
    } else if (m.k === 'structure' && isObject(v)) {
      out.push(...findViolations(m.of ?? '', v, `${at}.`));
    }
  }
  return out;
}

/** The project's bound on an error message (STYLE.md: under 512 characters); the full list goes to the log. */
const MAX_MESSAGE = 511;

/** "N validation error(s) detected: a; b; ..." (cut to the message bound). */
export function formatValidationErrors(problems: readonly string[]): string {
  const n = problems.length;
  const text = `${n} validation error${n === 1 ? '' : 's'} detected: ${problems.join('; ')}`;
  return text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE - 3)}...`;
}

/** Throws one ValidationException listing every violation of the operation's request structure. */
export function validateRequest(operation: string, body: JsonObject): void {
  const problems = findViolations(`${operation}Request`, body);
  if (problems.length === 0) return;
  throw kmsError.ValidationException(formatValidationErrors(problems), { detail: problems.join('; ') });
}
