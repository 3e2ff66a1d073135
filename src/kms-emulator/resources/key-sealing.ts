/**
 * Encrypting under a KMS key and opening a ciphertext blob, for both key types:
 * - XKS keys (spec B1 double encryption): an inner AES-256-GCM layer under the KMS-side material, then the
 *   proxy's Encrypt; Decrypt in reverse. Each proxy failure becomes the exception of spec A11.
 * - standard keys (origin AWS_KMS): one AES-256-GCM layer under the current material version held here.
 * Blob formats: ciphertext-blob.ts.
 */
import { createAesGcmEngine, TagMismatchError } from '../../crypto/aes-gcm.js';
import {
  buildBlobAad,
  INNER_IV_BYTES,
  parseCiphertextBlob,
  parseStandardBlob,
  serializeCiphertextBlob,
  serializeStandardBlob,
  STANDARD_BLOB_VERSION,
  TAG_BYTES,
  type CiphertextBlob,
  type StandardCiphertextBlob,
} from './ciphertext-blob.js';
import { targetOf } from '../custom-key-stores/custom-key-store-rules.js';
import { kmsError, type KmsException } from '../wire/kms-exceptions.js';
import type { KeyResolver } from './key-resolver.js';
import { currentMaterial } from './key-rotation-rules.js';
import { describeFailure, type ProxyFailure } from '../../xks-client/proxy-outcome.js';
import { mapFailure } from '../custom-key-stores/proxy-outcome-mapping.js';
import type { KmsServiceDeps, RequestContext } from '../context/service-context.js';
import type { KmsKeyRecord } from '../store/records.js';
import type { RequestMetadata } from '../../xks-client/xks-client.js';

export type EncryptionContext = Readonly<Record<string, string>>;

/** A blob read but not yet opened: which key made it, and its layers. */
export type ParsedBlob = { readonly format: 'xks'; readonly blob: CiphertextBlob } | { readonly format: 'standard'; readonly blob: StandardCiphertextBlob };

export interface KeySealing {
  /** Encrypts under the key's current material; the key must already be usable (resolver.usableForCrypto). */
  seal(k: KmsKeyRecord, plaintext: Buffer, context: EncryptionContext, kmsOperation: string, ctx: RequestContext): Promise<Buffer>;
  /** Reads the blob header; InvalidCiphertextException when it is not a blob of this emulator. */
  parse(bytes: Buffer): ParsedBlob;
  /** Opens a parsed blob with its key (usable). InvalidCiphertextException when the context or blob is wrong. */
  open(k: KmsKeyRecord, parsed: ParsedBlob, context: EncryptionContext, kmsOperation: string, ctx: RequestContext): Promise<Buffer>;
}

const INVALID_CIPHERTEXT = 'The ciphertext blob is not valid (not produced by this emulator, altered, or used with another encryption context).';

export function createKeySealing(deps: KmsServiceDeps, resolver: KeyResolver): KeySealing {
  const { config, xks, logger } = deps;
  const aes = createAesGcmEngine('node');

  function meta(k: KmsKeyRecord, kmsOperation: string, ctx: RequestContext): RequestMetadata {
    return { awsPrincipalArn: ctx.principalArn, kmsKeyArn: k.arn, kmsOperation, kmsRequestId: ctx.requestId, ...(ctx.viaService !== undefined && { kmsViaService: ctx.viaService }) };
  }

  function cryptoFailure(f: ProxyFailure, k: KmsKeyRecord, kmsOperation: string, ctx: RequestContext): KmsException {
    const m = mapFailure(f);
    logger.warn({ kmsRequestId: ctx.requestId, kmsOperation, keyArn: k.arn, outcome: m.row, cause: describeFailure(f) }, 'proxy call failed');
    // The emulator's own overload is not the proxy's fault: KMS throttles (SDKs retry ThrottlingException).
    if (m.row === 'emulator-overloaded') return kmsError.ThrottlingException(m.message, { detail: describeFailure(f) });
    // spec A11: crypto operations always throw KMSInvalidStateException; only the message differs.
    return kmsError.KMSInvalidStateException(m.message, { detail: describeFailure(f) });
  }

  function storeFor(k: KmsKeyRecord) {
    const s = resolver.usableForCrypto(k);
    if (s === undefined) throw new Error(`XKS key ${k.keyId} has no custom key store`);
    return s;
  }

  async function sealXks(k: KmsKeyRecord, plaintext: Buffer, context: EncryptionContext, kmsOperation: string, ctx: RequestContext): Promise<Buffer> {
    const s = storeFor(k);
    const aad = buildBlobAad(k.keyId, context);
    const innerIv = deps.randomBytes(INNER_IV_BYTES);
    const sealed = aes.encrypt(currentMaterial(k).material, innerIv, plaintext, aad);
    const inner = Buffer.concat([sealed.ciphertext, sealed.tag]);
    const result = await xks.encrypt(targetOf(s), k.xksKeyId ?? '', { requestMetadata: meta(k, kmsOperation, ctx), plaintext: inner, additionalAuthenticatedData: aad, requestCdiv: config.requestCdiv });
    if (!result.ok) throw cryptoFailure(result.failure, k, kmsOperation, ctx);
    const r = result.value;
    return serializeCiphertextBlob({ keyId: k.keyId, innerIv, proxyIv: r.initializationVector, proxyTag: r.authenticationTag, proxyMetadata: r.ciphertextMetadata ?? Buffer.alloc(0), proxyCiphertext: r.ciphertext });
  }

  function sealStandard(k: KmsKeyRecord, plaintext: Buffer, context: EncryptionContext): Buffer {
    const m = currentMaterial(k);
    const iv = deps.randomBytes(INNER_IV_BYTES);
    const sealed = aes.encrypt(m.material, iv, plaintext, buildBlobAad(k.keyId, context, STANDARD_BLOB_VERSION));
    return serializeStandardBlob({ keyId: k.keyId, materialVersion: m.version, iv, tag: Buffer.from(sealed.tag), ciphertext: Buffer.from(sealed.ciphertext) });
  }

  async function openXks(k: KmsKeyRecord, blob: CiphertextBlob, context: EncryptionContext, kmsOperation: string, ctx: RequestContext): Promise<Buffer> {
    const s = storeFor(k);
    const aad = buildBlobAad(k.keyId, context);
    const result = await xks.decrypt(targetOf(s), k.xksKeyId ?? '', {
      requestMetadata: meta(k, kmsOperation, ctx),
      ciphertext: blob.proxyCiphertext,
      ciphertextMetadata: blob.proxyMetadata.length > 0 ? blob.proxyMetadata : undefined,
      initializationVector: blob.proxyIv,
      authenticationTag: blob.proxyTag,
      additionalAuthenticatedData: aad,
    });
    if (!result.ok) throw cryptoFailure(result.failure, k, kmsOperation, ctx);
    const inner = result.value;
    try {
      if (inner.length < TAG_BYTES) throw new TagMismatchError();
      const opened = aes.decrypt(currentMaterial(k).material, blob.innerIv, inner.subarray(0, inner.length - TAG_BYTES), inner.subarray(inner.length - TAG_BYTES), aad);
      return Buffer.from(opened.buffer, opened.byteOffset, opened.byteLength);
    } catch (error) {
      if (!(error instanceof TagMismatchError)) throw error;
      // spec A11: the inner layer rejects what the proxy returned.
      logger.warn({ kmsRequestId: ctx.requestId, kmsOperation, keyArn: k.arn }, 'inner layer rejected the proxy Decrypt output');
      throw kmsError.KMSInvalidStateException('The ciphertext returned by the external key store proxy is corrupt: the KMS layer of the double encryption failed to verify it.');
    }
  }

  function openStandard(k: KmsKeyRecord, blob: StandardCiphertextBlob, context: EncryptionContext): Buffer {
    resolver.usableForCrypto(k);
    const m = k.materials.find((v) => v.version === blob.materialVersion);
    if (m === undefined) throw kmsError.InvalidCiphertextException(INVALID_CIPHERTEXT);
    try {
      const opened = aes.decrypt(m.material, blob.iv, blob.ciphertext, blob.tag, buildBlobAad(k.keyId, context, STANDARD_BLOB_VERSION));
      return Buffer.from(opened.buffer, opened.byteOffset, opened.byteLength);
    } catch (error) {
      if (error instanceof TagMismatchError) throw kmsError.InvalidCiphertextException(INVALID_CIPHERTEXT);
      throw error;
    }
  }

  return {
    async seal(k, plaintext, context, kmsOperation, ctx) {
      return k.origin === 'EXTERNAL_KEY_STORE' ? sealXks(k, plaintext, context, kmsOperation, ctx) : sealStandard(k, plaintext, context);
    },
    parse(bytes) {
      const standard = parseStandardBlob(bytes);
      if (standard !== undefined) return { format: 'standard', blob: standard };
      const x = parseCiphertextBlob(bytes);
      if (x !== undefined) return { format: 'xks', blob: x };
      throw kmsError.InvalidCiphertextException(INVALID_CIPHERTEXT);
    },
    async open(k, parsed, context, kmsOperation, ctx) {
      if (parsed.format === 'standard') {
        if (k.origin !== 'AWS_KMS') throw kmsError.InvalidCiphertextException(INVALID_CIPHERTEXT);
        return openStandard(k, parsed.blob, context);
      }
      if (k.origin !== 'EXTERNAL_KEY_STORE') throw kmsError.InvalidCiphertextException(INVALID_CIPHERTEXT);
      return openXks(k, parsed.blob, context, kmsOperation, ctx);
    },
  };
}
