/**
 * The emulator's private CiphertextBlob format, version 1 (spec B1: KMS's real format is proprietary; this one
 * is documented in docs/kms-emulator.md). It carries every field of the proxy's Encrypt answer plus what binds
 * the KMS key:
 *
 *   offset  size  field
 *   0       1     version = 0x01
 *   1       16    KMS key id (UUID bytes)
 *   17      12    inner-layer IV (AES-256-GCM under the emulator's key material)
 *   29      1     n = length of the proxy's initializationVector (12 or 16)
 *   30      n     proxy initializationVector
 *   30+n    16    proxy authenticationTag
 *   46+n    1     m = length of the proxy's ciphertextMetadata (0..20)
 *   47+n    m     proxy ciphertextMetadata
 *   47+n+m  rest  proxy ciphertext (= inner ciphertext || inner tag, so plaintext length + 16)
 *
 * Both layers use the same associated data, `blobAad` = version || key id || SHA-256(canonical encryption
 * context): the inner layer as its GCM AAD, the proxy call as `additionalAuthenticatedData`.
 *
 * Version 2 is the blob of a standard key (origin AWS_KMS, one AES-256-GCM layer under the material version
 * that was current when it was made):
 *
 *   offset  size  field
 *   0       1     version = 0x02
 *   1       16    KMS key id (UUID bytes)
 *   17      4     key material version (uint32, big-endian; 0 = original, +1 per rotation)
 *   21      12    IV
 *   33      16    tag
 *   49      rest  ciphertext
 *
 * with AAD = 0x02 || key id || SHA-256(canonical encryption context).
 */
import { createHash } from 'node:crypto';

export const BLOB_VERSION = 1;
/** The blob of a standard (AWS_KMS) key. */
export const STANDARD_BLOB_VERSION = 2;
export const INNER_IV_BYTES = 12;
export const TAG_BYTES = 16;
/** spec A5: ciphertextMetadata <= 20 bytes. */
export const MAX_METADATA_BYTES = 20;
/** spec B1: a KMS ciphertext blob is at most 6144 bytes. */
export const MAX_BLOB_BYTES = 6144;

export interface CiphertextBlob {
  readonly keyId: string;
  readonly innerIv: Buffer;
  readonly proxyIv: Buffer;
  readonly proxyTag: Buffer;
  readonly proxyMetadata: Buffer;
  readonly proxyCiphertext: Buffer;
}

export function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

export function bytesToUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Sorted by key; each key and value as uint16_be(length) || UTF-8 bytes. Order of the input does not matter. */
export function buildCanonicalEncryptionContext(context: Readonly<Record<string, string>>): Buffer {
  const parts: Buffer[] = [];
  for (const k of Object.keys(context).sort()) {
    for (const s of [k, context[k] ?? '']) {
      const b = Buffer.from(s, 'utf8');
      const len = Buffer.alloc(2);
      len.writeUInt16BE(b.length);
      parts.push(len, b);
    }
  }
  return Buffer.concat(parts);
}

export function buildBlobAad(keyId: string, context: Readonly<Record<string, string>>, version: number = BLOB_VERSION): Buffer {
  const digest = createHash('sha256').update(buildCanonicalEncryptionContext(context)).digest();
  return Buffer.concat([Buffer.from([version]), uuidToBytes(keyId), digest]);
}

export interface StandardCiphertextBlob {
  readonly keyId: string;
  readonly materialVersion: number;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly ciphertext: Buffer;
}

export function serializeStandardBlob(b: StandardCiphertextBlob): Buffer {
  if (b.iv.length !== INNER_IV_BYTES || b.tag.length !== TAG_BYTES) throw new Error('standard blob: IV must be 12 bytes and tag 16 bytes');
  const version = Buffer.alloc(4);
  version.writeUInt32BE(b.materialVersion);
  return Buffer.concat([Buffer.from([STANDARD_BLOB_VERSION]), uuidToBytes(b.keyId), version, b.iv, b.tag, b.ciphertext]);
}

const STANDARD_HEADER_BYTES = 1 + 16 + 4 + INNER_IV_BYTES + TAG_BYTES;

/** Returns undefined for anything that is not a well-formed version-2 blob. */
export function parseStandardBlob(bytes: Buffer): StandardCiphertextBlob | undefined {
  if (bytes.length <= STANDARD_HEADER_BYTES || bytes[0] !== STANDARD_BLOB_VERSION || bytes.length > MAX_BLOB_BYTES) return undefined;
  return {
    keyId: bytesToUuid(bytes.subarray(1, 17)),
    materialVersion: bytes.readUInt32BE(17),
    iv: Buffer.from(bytes.subarray(21, 21 + INNER_IV_BYTES)),
    tag: Buffer.from(bytes.subarray(21 + INNER_IV_BYTES, STANDARD_HEADER_BYTES)),
    ciphertext: Buffer.from(bytes.subarray(STANDARD_HEADER_BYTES)),
  };
}

export function serializeCiphertextBlob(b: CiphertextBlob): Buffer {
  if (b.innerIv.length !== INNER_IV_BYTES) throw new Error(`inner IV must be ${INNER_IV_BYTES} bytes, got ${b.innerIv.length}`);
  if (b.proxyIv.length !== 12 && b.proxyIv.length !== 16) throw new Error(`proxy IV must be 12 or 16 bytes, got ${b.proxyIv.length}`);
  if (b.proxyTag.length !== TAG_BYTES) throw new Error(`proxy tag must be ${TAG_BYTES} bytes, got ${b.proxyTag.length}`);
  if (b.proxyMetadata.length > MAX_METADATA_BYTES) throw new Error(`metadata must be <= ${MAX_METADATA_BYTES} bytes, got ${b.proxyMetadata.length}`);
  return Buffer.concat([
    Buffer.from([BLOB_VERSION]),
    uuidToBytes(b.keyId),
    b.innerIv,
    Buffer.from([b.proxyIv.length]),
    b.proxyIv,
    b.proxyTag,
    Buffer.from([b.proxyMetadata.length]),
    b.proxyMetadata,
    b.proxyCiphertext,
  ]);
}

/** Returns undefined for anything that is not a well-formed version-1 blob. */
export function parseCiphertextBlob(bytes: Buffer): CiphertextBlob | undefined {
  if (bytes.length < 1 + 16 + INNER_IV_BYTES + 1 || bytes[0] !== BLOB_VERSION || bytes.length > MAX_BLOB_BYTES) return undefined;
  let o = 1;
  const keyId = bytesToUuid(bytes.subarray(o, o + 16));
  o += 16;
  const innerIv = bytes.subarray(o, o + INNER_IV_BYTES);
  o += INNER_IV_BYTES;
  const n = bytes[o++] ?? 0;
  if (n !== 12 && n !== 16) return undefined;
  if (bytes.length < o + n + TAG_BYTES + 1) return undefined;
  const proxyIv = bytes.subarray(o, o + n);
  o += n;
  const proxyTag = bytes.subarray(o, o + TAG_BYTES);
  o += TAG_BYTES;
  const m = bytes[o++] ?? 0;
  if (m > MAX_METADATA_BYTES || bytes.length < o + m + TAG_BYTES + 1) return undefined;
  const proxyMetadata = bytes.subarray(o, o + m);
  o += m;
  const proxyCiphertext = bytes.subarray(o);
  return { keyId, innerIv: Buffer.from(innerIv), proxyIv: Buffer.from(proxyIv), proxyTag: Buffer.from(proxyTag), proxyMetadata: Buffer.from(proxyMetadata), proxyCiphertext: Buffer.from(proxyCiphertext) };
}
