import { z } from 'zod';
import { decodeBase64Strict, encodeBase64 } from '../../crypto/base64.js';
import { KEY_BYTES } from '../../xks/limits.js';
import { externalKeyIdSchema } from './external-key-id.js';
import { KEY_STATUSES, KEY_USAGES, type XksKey } from './key-store.js';

/**
 * The key file format, version 1 (documented in docs/keys.md, "Key file formats"). One JSON file per key,
 * `<externalKeyId>.json`, mode 0600:
 *
 *   {"format":"xks-key/1","externalKeyId":"dev-key-1","keyUsage":["ENCRYPT","DECRYPT"],"keyStatus":"ENABLED",
 *    "createdAt":"2026-11-28T12:00:00.000Z","versions":[{"version":1,"createdAt":"...","material":"<base64 of 32 bytes>"}]}
 */
export const KEY_FILE_FORMAT = 'xks-key/1';
export const KEY_FILE_SUFFIX = '.json';

const material = z.string().refine((s) => decodeBase64Strict(s)?.length === KEY_BYTES, {
  message: `material must be standard base64 of exactly ${KEY_BYTES} bytes`,
});

const keyFileSchema = z
  .object({
    format: z.literal(KEY_FILE_FORMAT),
    externalKeyId: externalKeyIdSchema,
    keyUsage: z.array(z.enum(KEY_USAGES)).refine((u) => new Set(u).size === u.length, 'keyUsage has duplicates'),
    keyStatus: z.enum(KEY_STATUSES),
    createdAt: z.string().optional(),
    versions: z
      .array(z.object({ version: z.number().int().positive().max(0xffffffff, 'version must fit the uint32 of ciphertextMetadata'), createdAt: z.string().optional(), material }).strict())
      .min(1)
      .refine((v) => v.every((x, i) => i === 0 || x.version > (v[i - 1]?.version ?? 0)), 'versions must ascend'),
  })
  .strict();

export type KeyFile = z.infer<typeof keyFileSchema>;

export class KeyFileError extends Error {}

/** The JSON of a key file and its `format` field, read before anything else (any format). */
export function readKeyFileJson(text: string): { json: unknown; format: unknown } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyFileError('not valid JSON');
  }
  return { json, format: typeof json === 'object' && json !== null ? (json as { format?: unknown }).format : undefined };
}

/** Parse a key file's text. Messages name the problem, never the material. */
export function parseKeyFile(text: string): XksKey {
  const { json, format } = readKeyFileJson(text);
  if (format !== KEY_FILE_FORMAT) {
    throw new KeyFileError(`unknown format ${JSON.stringify(format)?.slice(0, 40) ?? 'undefined'} (expected "${KEY_FILE_FORMAT}")`);
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new KeyFileError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  }
  const f = parsed.data;
  return Object.freeze({
    externalKeyId: f.externalKeyId,
    keyUsage: Object.freeze([...f.keyUsage]),
    keyStatus: f.keyStatus,
    ...(f.createdAt !== undefined && { createdAt: f.createdAt }),
    versions: Object.freeze(
      f.versions.map((v) =>
        Object.freeze({
          version: v.version,
          material: decodeBase64Strict(v.material) as Uint8Array,
          ...(v.createdAt !== undefined && { createdAt: v.createdAt }),
        }),
      ),
    ),
  });
}

/** Serialize a key to the file format (pretty-printed, human-readable). Times the key carries win over `createdAt`. */
export function serializeKeyFile(key: XksKey, createdAt: string = new Date().toISOString()): string {
  const file: KeyFile = {
    format: KEY_FILE_FORMAT,
    externalKeyId: key.externalKeyId,
    keyUsage: [...key.keyUsage],
    keyStatus: key.keyStatus,
    createdAt: key.createdAt ?? createdAt,
    versions: key.versions.map((v) => ({ version: v.version, createdAt: v.createdAt ?? createdAt, material: encodeBase64(v.material) })),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

export function keyFileName(externalKeyId: string): string {
  return `${externalKeyId}${KEY_FILE_SUFFIX}`;
}
