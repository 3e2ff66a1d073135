/**
 * Tag rules of KMS (API model TagKeyType/TagValueType, the "Tags per KMS key" quota, the reserved `aws:` prefix):
 * TagException for a reserved or duplicate key, LimitExceededException past the quota.
 */
import { kmsError } from '../wire/kms-exceptions.js';
import type { ResourceTag } from '../store/records.js';
import { checkString, optionalObjectList, requiredString, type JsonObject } from '../wire/fields.js';

export const TAG_KEY = { min: 1, max: 128 } as const;
export const TAG_VALUE = { min: 0, max: 256 } as const;
/** KMS quota "Tags per KMS key". */
export const MAX_TAGS_PER_KEY = 50;
const RESERVED_PREFIX = 'aws:';

function checkKey(key: string): string {
  if (key.toLowerCase().startsWith(RESERVED_PREFIX)) throw kmsError.TagException(`Tag keys that begin with ${RESERVED_PREFIX} are reserved for AWS use: ${key.slice(0, 128)}`);
  return key;
}

/** `Tags: [{TagKey, TagValue}]` of CreateKey / TagResource; undefined when absent. */
export function parseTags(body: JsonObject, member = 'Tags'): ResourceTag[] | undefined {
  const list = optionalObjectList(body, member);
  if (list === undefined) return undefined;
  const seen = new Set<string>();
  return list.map((t, i) => {
    const TagKey = checkKey(requiredString(t, 'TagKey', { ...TAG_KEY, at: `${member}.${i + 1}.member.TagKey` }));
    const TagValue = requiredString(t, 'TagValue', { ...TAG_VALUE, at: `${member}.${i + 1}.member.TagValue` });
    if (seen.has(TagKey)) throw kmsError.TagException(`The tag key ${TagKey} appears more than once in the request.`);
    seen.add(TagKey);
    return { TagKey, TagValue };
  });
}

export function parseTagKeys(body: JsonObject, member = 'TagKeys'): string[] {
  const value = body[member];
  if (!Array.isArray(value)) throw kmsError.ValidationException(`1 validation error detected: Value null at '${member.charAt(0).toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must not be null`);
  return value.map((k: unknown) => checkKey(checkString(member, k, TAG_KEY)));
}

/** New values replace old ones for the same key; the quota counts the result. */
export function mergeTags(existing: readonly ResourceTag[], added: readonly ResourceTag[]): ResourceTag[] {
  const merged = new Map(existing.map((t) => [t.TagKey, t.TagValue]));
  for (const t of added) merged.set(t.TagKey, t.TagValue);
  if (merged.size > MAX_TAGS_PER_KEY) throw kmsError.LimitExceededException(`A KMS key can have at most ${MAX_TAGS_PER_KEY} tags; this request would leave ${merged.size}.`);
  return [...merged].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
}
