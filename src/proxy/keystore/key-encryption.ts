import { createCipheriv, createDecipheriv, createHash, scryptSync } from 'node:crypto';
import { z } from 'zod';
import { decodeBase64Strict, encodeBase64 } from '../../crypto/base64.js';
import { secureRandomBytes, type RandomBytes } from '../../crypto/random.js';
import { KEY_BYTES } from '../../xks/limits.js';
import { externalKeyIdSchema } from './external-key-id.js';
import { KeyFileError } from './key-file.js';

/**
 * Encryption at rest for key files (docs/keys.md, "Encryption at rest"). A key file in the plain format
 * `xks-key/1` is wrapped whole into the format `xks-key-wrapped/1`:
 *
 *   {"format":"xks-key-wrapped/1","externalKeyId":"k1",
 *    "kek":{"kind":"scrypt","N":32768,"r":8,"p":1,"salt":"<b64 16 B>"}      (passphrase)
 *       or {"kind":"raw","kekId":"<first 16 hex of SHA-256(KEK)>"}          (32-byte KEK from a file)
 *    "iv":"<b64 12 B>","tag":"<b64 16 B>","ciphertext":"<b64 of the xks-key/1 JSON text>"}
 *
 * AES-256-GCM under the KEK; the GCM AAD is the UTF-8 of the header line
 * `xks-key-wrapped/1|<externalKeyId>|scrypt|<N>|<r>|<p>|<salt>` or `xks-key-wrapped/1|<externalKeyId>|raw|<kekId>`,
 * so the id and the KDF parameters cannot be swapped between files without the tag failing.
 */
export const WRAPPED_KEY_FILE_FORMAT = 'xks-key-wrapped/1';

/** The secret a key store's files are wrapped under, resolved at config load (never logged). */
export type KeyEncryptionSecret =
  | { readonly kind: 'passphrase'; readonly passphrase: string; readonly source: string }
  /** base64 of 32 bytes */
  | { readonly kind: 'kek'; readonly kek: string; readonly source: string };

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** Written for new files: about 100 ms and 32 MiB per derivation; derived once per salt per process. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });
/** Bounds a file may ask for when read, so a hostile file cannot make the loader burn seconds or gigabytes. */
const SCRYPT_BOUNDS = { minLogN: 10, maxLogN: 20, maxR: 32, maxP: 16 };
/**
 * And as a whole: N * r * p at most 2^20, 4x the default (about half a second, at most 128 MiB, since the memory
 * is 128 * N * r bytes). Each bound alone still allowed N = 2^20, r = 32, p = 16: 4 GiB and minutes of a blocked
 * event loop per file.
 */
const MAX_SCRYPT_COST = 2 ** 20;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

const b64Bytes = (n: number) => z.string().refine((s) => decodeBase64Strict(s)?.length === n, `must be standard base64 of ${n} bytes`);

const wrappedSchema = z
  .object({
    format: z.literal(WRAPPED_KEY_FILE_FORMAT),
    externalKeyId: externalKeyIdSchema,
    kek: z.discriminatedUnion('kind', [
      z
        .object({
          kind: z.literal('scrypt'),
          N: z
            .number()
            .int()
            .refine((n) => Number.isInteger(Math.log2(n)) && n >= 2 ** SCRYPT_BOUNDS.minLogN && n <= 2 ** SCRYPT_BOUNDS.maxLogN, 'N must be a power of two in 2^10..2^20'),
          r: z.number().int().min(1).max(SCRYPT_BOUNDS.maxR),
          p: z.number().int().min(1).max(SCRYPT_BOUNDS.maxP),
          salt: b64Bytes(SALT_BYTES),
        })
        .strict()
        .refine((k) => k.N * k.r * k.p <= MAX_SCRYPT_COST, `scrypt cost N*r*p must be at most 2^${Math.log2(MAX_SCRYPT_COST)}`),
      z.object({ kind: z.literal('raw'), kekId: z.string().regex(/^[0-9a-f]{16}$/) }).strict(),
    ]),
    iv: b64Bytes(IV_BYTES),
    tag: b64Bytes(TAG_BYTES),
    ciphertext: z.string().refine((s) => decodeBase64Strict(s) !== undefined, 'must be standard base64'),
  })
  .strict();

type WrappedFile = z.infer<typeof wrappedSchema>;
type KekHeader = WrappedFile['kek'];

function headerAad(externalKeyId: string, kek: KekHeader): Buffer {
  const tail = kek.kind === 'scrypt' ? `scrypt|${kek.N}|${kek.r}|${kek.p}|${kek.salt}` : `raw|${kek.kekId}`;
  return Buffer.from(`${WRAPPED_KEY_FILE_FORMAT}|${externalKeyId}|${tail}`, 'utf8');
}

export function isWrappedKeyFileText(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as { format?: unknown }).format === WRAPPED_KEY_FILE_FORMAT;
}

/**
 * Wraps and unwraps key files under one key store's KEK. Holds the per-process cache of derived keys (scrypt is
 * slow by design): one derivation per (salt, N, r, p). The cache lives in this object, created per key store by
 * the composition root or the CLI; never in module state.
 */
export interface KeyWrapper {
  readonly kind: KeyEncryptionSecret['kind'];
  /** The wrapped file text for a plain `xks-key/1` text. */
  wrap(externalKeyId: string, plainText: string): string;
  /** The plain `xks-key/1` text inside a wrapped file (already JSON-parsed). Throws KeyFileError. */
  unwrap(json: unknown): { externalKeyId: string; plainText: string };
}

export function createKeyWrapper(
  secret: KeyEncryptionSecret,
  options: { scrypt?: ScryptParams; random?: RandomBytes } = {},
): KeyWrapper {
  const random = options.random ?? secureRandomBytes;
  const params = options.scrypt ?? DEFAULT_SCRYPT_PARAMS;
  const derived = new Map<string, Buffer>();
  /** The salt new files are written with: the first one this process met (so a directory shares one salt). */
  let writeHeader: KekHeader | undefined;

  const rawKek = secret.kind === 'kek' ? Buffer.from(decodeBase64Strict(secret.kek) ?? new Uint8Array()) : undefined;
  if (rawKek !== undefined && rawKek.length !== KEY_BYTES) throw new Error(`key encryption: ${secret.source}: the KEK must be base64 of ${KEY_BYTES} bytes`);
  const kekId = rawKek === undefined ? '' : createHash('sha256').update(rawKek).digest('hex').slice(0, 16);

  function keyFor(header: KekHeader): Buffer {
    if (header.kind === 'raw') {
      if (rawKek === undefined) throw new KeyFileError('wrapped under a raw KEK (kekFile) but this key store is configured with a passphrase');
      if (header.kekId !== kekId) throw new KeyFileError(`wrapped under KEK ${header.kekId}, but the configured KEK is ${kekId}`);
      return rawKek;
    }
    if (secret.kind !== 'passphrase') throw new KeyFileError('wrapped under a passphrase (scrypt) but this key store is configured with a KEK file');
    const cacheKey = `${header.N}|${header.r}|${header.p}|${header.salt}`;
    let key = derived.get(cacheKey);
    if (key === undefined) {
      key = scryptSync(secret.passphrase.normalize('NFC'), Buffer.from(decodeBase64Strict(header.salt) ?? new Uint8Array()), KEY_BYTES, {
        N: header.N,
        r: header.r,
        p: header.p,
        maxmem: 256 * header.N * header.r * header.p,
      });
      derived.set(cacheKey, key);
    }
    return key;
  }

  return {
    kind: secret.kind,
    wrap(externalKeyId, plainText) {
      writeHeader ??= secret.kind === 'kek' ? { kind: 'raw', kekId } : { kind: 'scrypt', ...params, salt: encodeBase64(random(SALT_BYTES)) };
      const header = writeHeader;
      const iv = random(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keyFor(header), iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(headerAad(externalKeyId, header));
      const plain = Buffer.from(plainText, 'utf8');
      const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
      plain.fill(0);
      const file: WrappedFile = {
        format: WRAPPED_KEY_FILE_FORMAT,
        externalKeyId,
        kek: header,
        iv: encodeBase64(iv),
        tag: encodeBase64(cipher.getAuthTag()),
        ciphertext: encodeBase64(ciphertext),
      };
      return `${JSON.stringify(file, null, 2)}\n`;
    },
    unwrap(json) {
      const parsed = wrappedSchema.safeParse(json);
      if (!parsed.success) {
        throw new KeyFileError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
      }
      const f = parsed.data;
      const decipher = createDecipheriv('aes-256-gcm', keyFor(f.kek), Buffer.from(decodeBase64Strict(f.iv) ?? []), { authTagLength: TAG_BYTES });
      decipher.setAAD(headerAad(f.externalKeyId, f.kek));
      decipher.setAuthTag(Buffer.from(decodeBase64Strict(f.tag) ?? []));
      const first = decipher.update(Buffer.from(decodeBase64Strict(f.ciphertext) ?? []));
      let last: Buffer;
      try {
        last = decipher.final();
      } catch {
        first.fill(0);
        throw new KeyFileError('cannot unwrap: wrong passphrase/KEK, or the file was modified (GCM tag mismatch)');
      }
      // New files reuse the first salt met, so a directory normally needs one derivation per process; only the salt
      // of a file that unwrapped (a planted file must not pick it) and only with the configured parameters.
      if (f.kek.kind === 'scrypt' && f.kek.N === params.N && f.kek.r === params.r && f.kek.p === params.p) writeHeader ??= f.kek;
      const plain = Buffer.concat([first, last]);
      first.fill(0);
      const plainText = plain.toString('utf8');
      plain.fill(0);
      return { externalKeyId: f.externalKeyId, plainText };
    },
  };
}
