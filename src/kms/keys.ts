/**
 * KMS keys backed by external keys (spec B10, B11, B1): CreateKey with Origin EXTERNAL_KEY_STORE, the key
 * lifecycle, and the cryptographic operations with double encryption (inner AES-256-GCM layer under key
 * material held here, then the proxy's Encrypt). Each proxy failure becomes the exception of spec A11.
 */
import { createAesGcmEngine, TagMismatchError } from '../crypto/aes-gcm.js';
import { buildBlobAad, INNER_IV_BYTES, parseCiphertextBlob, serializeCiphertextBlob, TAG_BYTES } from './ciphertext-blob.js';
import { targetOf, type CustomKeyStoreDeps, type RequestContext } from './custom-key-stores.js';
import { KmsException, kmsError } from './kms-exceptions.js';
import { describeFailure, type ProxyFailure } from './proxy-outcome.js';
import { mapFailure } from './proxy-outcome-mapping.js';
import type { CustomKeyStoreRecord, KmsKeyRecord } from './store/records.js';
import { optionalEncryptionContext, optionalInteger, optionalString, requiredBlob, requiredString, type JsonObject } from './wire/fields.js';
import type { RequestMetadata } from './xks-client.js';

/** spec A2 / B10: XksKeyId is 1-128 chars of [a-zA-Z0-9-_.]. */
export const XKS_KEY_ID = { min: 1, max: 128, pattern: /^[a-zA-Z0-9-_.]+$/ } as const;
const KEY_ID = { min: 1, max: 2048 } as const;
/** spec B1: KMS Encrypt takes at most 4096 bytes of plaintext. */
export const MAX_PLAINTEXT_BYTES = 4096;
export const MAX_BLOB_INPUT_BYTES = 6144;

export interface KeysContext extends RequestContext {
  readonly viaService: string | undefined;
}

export interface KeyService {
  createKey(body: JsonObject, ctx: KeysContext): Promise<Record<string, unknown>>;
  describeKey(body: JsonObject): Promise<Record<string, unknown>>;
  listKeys(body: JsonObject): Promise<Record<string, unknown>>;
  enableKey(body: JsonObject): Promise<Record<string, never>>;
  disableKey(body: JsonObject): Promise<Record<string, never>>;
  scheduleKeyDeletion(body: JsonObject): Promise<Record<string, unknown>>;
  cancelKeyDeletion(body: JsonObject): Promise<Record<string, unknown>>;
  encrypt(body: JsonObject, ctx: KeysContext): Promise<Record<string, unknown>>;
  decrypt(body: JsonObject, ctx: KeysContext): Promise<Record<string, unknown>>;
  generateDataKey(body: JsonObject, ctx: KeysContext): Promise<Record<string, unknown>>;
  generateDataKeyWithoutPlaintext(body: JsonObject, ctx: KeysContext): Promise<Record<string, unknown>>;
  reEncrypt(body: JsonObject, ctx: KeysContext): Promise<Record<string, unknown>>;
}

/** The same dependencies as the custom key store service. */
export type KeyServiceDeps = CustomKeyStoreDeps;

const DAY_MS = 86_400_000;

export function createKeyService(deps: KeyServiceDeps): KeyService {
  const { config, store, xks, clock, logger } = deps;
  // The KMS layer of the double encryption (spec B1) uses the project's AES-256-GCM engine.
  const innerLayer = createAesGcmEngine('node');
  const arnPrefix = `arn:aws:kms:${config.region}:${config.accountId}:key/`;

  function storeOf(k: KmsKeyRecord): CustomKeyStoreRecord | undefined {
    return store.getCustomKeyStore(k.customKeyStoreId);
  }

  /** spec B1: Unavailable while the store is not CONNECTED, unless PendingDeletion. */
  function reportedState(k: KmsKeyRecord): string {
    if (k.keyState === 'PendingDeletion') return 'PendingDeletion';
    return storeOf(k)?.connectionState === 'CONNECTED' ? k.keyState : 'Unavailable';
  }

  function keyMetadata(k: KmsKeyRecord): Record<string, unknown> {
    const state = reportedState(k);
    const m: Record<string, unknown> = {
      AWSAccountId: config.accountId,
      KeyId: k.keyId,
      Arn: k.arn,
      CreationDate: k.creationDate / 1000,
      Enabled: state === 'Enabled',
      Description: k.description,
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: state,
    };
    if (k.keyState === 'PendingDeletion') {
      m['DeletionDate'] = (k.deletionDate ?? 0) / 1000;
      m['PendingDeletionWindowInDays'] = k.pendingWindowInDays;
    }
    Object.assign(m, {
      Origin: 'EXTERNAL_KEY_STORE',
      CustomKeyStoreId: k.customKeyStoreId,
      KeyManager: 'CUSTOMER',
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
      XksKeyConfiguration: { Id: k.xksKeyId },
    });
    return m;
  }

  /** Accepts a key id or key ARN; keys whose deletion date has passed are gone. */
  function resolveKey(input: string, member = 'KeyId'): KmsKeyRecord {
    let id = input;
    if (input.startsWith('arn:')) {
      if (!input.startsWith(arnPrefix)) throw kmsError.NotFoundException(`Key '${input}' does not exist`);
      id = input.slice(arnPrefix.length);
    } else if (input.startsWith('alias/')) {
      throw kmsError.NotFoundException(`Alias ${input} is not found (this emulator has no aliases).`);
    }
    const k = /^[0-9a-f-]{36}$/.test(id) ? store.getKey(id) : undefined;
    if (k === undefined) throw kmsError.NotFoundException(`${member === 'KeyId' ? 'Key' : member} '${input}' does not exist`);
    if (k.keyState === 'PendingDeletion' && (k.deletionDate ?? Infinity) <= clock()) {
      store.deleteKey(k.keyId);
      throw kmsError.NotFoundException(`Key '${k.arn}' does not exist`);
    }
    return k;
  }

  function keyFrom(body: JsonObject, member = 'KeyId'): KmsKeyRecord {
    return resolveKey(requiredString(body, member, KEY_ID), member);
  }

  /** spec B1/B5: crypto needs the key Enabled and its store CONNECTED. */
  function usable(k: KmsKeyRecord): CustomKeyStoreRecord {
    if (k.keyState === 'PendingDeletion') throw kmsError.KMSInvalidStateException(`${k.arn} is pending deletion.`);
    const s = storeOf(k);
    if (s === undefined || s.connectionState !== 'CONNECTED') {
      throw kmsError.KMSInvalidStateException(`${k.arn} is unavailable because its custom key store ${k.customKeyStoreId} is ${s?.connectionState ?? 'missing'}. Connect the custom key store, then retry.`);
    }
    if (k.keyState === 'Disabled') throw kmsError.DisabledException(`${k.arn} is disabled.`);
    return s;
  }

  function meta(k: KmsKeyRecord, kmsOperation: string, ctx: KeysContext): RequestMetadata {
    const m: { -readonly [P in keyof RequestMetadata]: RequestMetadata[P] } = { awsPrincipalArn: ctx.principalArn, kmsKeyArn: k.arn, kmsOperation, kmsRequestId: ctx.requestId };
    if (ctx.viaService !== undefined) m.kmsViaService = ctx.viaService;
    return m;
  }

  function cryptoFailure(f: ProxyFailure, k: KmsKeyRecord, kmsOperation: string, ctx: KeysContext): KmsException {
    const m = mapFailure(f);
    logger.warn({ kmsRequestId: ctx.requestId, kmsOperation, keyArn: k.arn, outcome: m.row, cause: describeFailure(f) }, 'proxy call failed');
    // spec A11: crypto operations always throw KMSInvalidStateException; only the message differs.
    return kmsError.KMSInvalidStateException(m.message, { detail: describeFailure(f) });
  }

  function checkAlgorithm(body: JsonObject, member: string): void {
    optionalString(body, member, { oneOf: ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'] });
    const v = body[member];
    if (v !== undefined && v !== null && v !== 'SYMMETRIC_DEFAULT') {
      throw kmsError.InvalidKeyUsageException(`${String(v)} is not supported by an external key store key; use SYMMETRIC_DEFAULT.`);
    }
  }

  async function encryptWith(k: KmsKeyRecord, s: CustomKeyStoreRecord, plaintext: Buffer, context: Readonly<Record<string, string>>, kmsOperation: string, ctx: KeysContext): Promise<Buffer> {
    const aad = buildBlobAad(k.keyId, context);
    const innerIv = deps.randomBytes(INNER_IV_BYTES);
    const sealed = innerLayer.encrypt(k.keyMaterial, innerIv, plaintext, aad);
    const inner = Buffer.concat([sealed.ciphertext, sealed.tag]);
    const result = await xks.encrypt(targetOf(s), k.xksKeyId, { requestMetadata: meta(k, kmsOperation, ctx), plaintext: inner, additionalAuthenticatedData: aad, requestCdiv: config.requestCdiv });
    if (!result.ok) throw cryptoFailure(result.failure, k, kmsOperation, ctx);
    const r = result.value;
    return serializeCiphertextBlob({ keyId: k.keyId, innerIv, proxyIv: r.initializationVector, proxyTag: r.authenticationTag, proxyMetadata: r.ciphertextMetadata ?? Buffer.alloc(0), proxyCiphertext: r.ciphertext });
  }

  async function decryptBlob(blobBytes: Buffer, context: Readonly<Record<string, string>>, expectedKeyId: string | undefined, kmsOperation: string, ctx: KeysContext): Promise<{ key: KmsKeyRecord; plaintext: Buffer }> {
    const blob = parseCiphertextBlob(blobBytes);
    if (blob === undefined) throw kmsError.InvalidCiphertextException('The ciphertext blob is not valid (not produced by this emulator, or altered).');
    const k = store.getKey(blob.keyId);
    if (k === undefined) throw kmsError.InvalidCiphertextException('The ciphertext refers to a KMS key that does not exist.');
    if (expectedKeyId !== undefined && resolveKey(expectedKeyId).keyId !== k.keyId) {
      throw kmsError.IncorrectKeyException('The key ID in the request does not identify the KMS key that encrypted the ciphertext.');
    }
    resolveKey(k.keyId);
    const s = usable(k);
    const aad = buildBlobAad(k.keyId, context);
    const result = await xks.decrypt(targetOf(s), k.xksKeyId, {
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
      const opened = innerLayer.decrypt(k.keyMaterial, blob.innerIv, inner.subarray(0, inner.length - TAG_BYTES), inner.subarray(inner.length - TAG_BYTES), aad);
      return { key: k, plaintext: Buffer.from(opened.buffer, opened.byteOffset, opened.byteLength) };
    } catch (error) {
      if (!(error instanceof TagMismatchError)) throw error;
      // spec A11: the inner layer rejects what the proxy returned.
      logger.warn({ kmsRequestId: ctx.requestId, kmsOperation, keyArn: k.arn }, 'inner layer rejected the proxy Decrypt output');
      throw kmsError.KMSInvalidStateException('The ciphertext returned by the external key store proxy is corrupt: the KMS layer of the double encryption failed to verify it.');
    }
  }

  async function generate(body: JsonObject, ctx: KeysContext, op: 'GenerateDataKey' | 'GenerateDataKeyWithoutPlaintext'): Promise<{ key: KmsKeyRecord; blob: Buffer; plaintext: Buffer }> {
    const k = keyFrom(body);
    const context = optionalEncryptionContext(body, 'EncryptionContext');
    const spec = optionalString(body, 'KeySpec', { oneOf: ['AES_256', 'AES_128'] });
    const n = optionalInteger(body, 'NumberOfBytes', 1, 1024);
    if ((spec === undefined) === (n === undefined)) throw kmsError.ValidationException('Specify either KeySpec or NumberOfBytes, but not both.');
    const size = n ?? (spec === 'AES_128' ? 16 : 32);
    const s = usable(k);
    const plaintext = deps.randomBytes(size);
    const blob = await encryptWith(k, s, plaintext, context, op, ctx);
    return { key: k, blob, plaintext };
  }

  return {
    async createKey(body, ctx) {
      const origin = optionalString(body, 'Origin', { oneOf: ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] }) ?? 'AWS_KMS';
      const xksKeyIdRaw = optionalString(body, 'XksKeyId', XKS_KEY_ID);
      if (origin !== 'EXTERNAL_KEY_STORE') {
        if (xksKeyIdRaw !== undefined) throw kmsError.ValidationException('XksKeyId is valid only when Origin is EXTERNAL_KEY_STORE.');
        throw kmsError.UnsupportedOperationException(`This emulator creates only keys with Origin EXTERNAL_KEY_STORE, not ${origin}.`);
      }
      if (xksKeyIdRaw === undefined) throw kmsError.ValidationException('XksKeyId is required when Origin is EXTERNAL_KEY_STORE.');
      const storeId = optionalString(body, 'CustomKeyStoreId', { min: 1, max: 64 });
      if (storeId === undefined) throw kmsError.ValidationException('CustomKeyStoreId is required when Origin is EXTERNAL_KEY_STORE.');
      const keySpec = optionalString(body, 'KeySpec') ?? optionalString(body, 'CustomerMasterKeySpec') ?? 'SYMMETRIC_DEFAULT';
      const keyUsage = optionalString(body, 'KeyUsage') ?? 'ENCRYPT_DECRYPT';
      if (keySpec !== 'SYMMETRIC_DEFAULT' || keyUsage !== 'ENCRYPT_DECRYPT' || body['MultiRegion'] === true) {
        throw kmsError.UnsupportedOperationException('Keys in an external key store must be SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT and single-Region.');
      }
      const description = optionalString(body, 'Description', { min: 0, max: 8192 }) ?? '';
      // spec B10 checks, in the emulator's order.
      const s = store.getCustomKeyStore(storeId);
      if (s === undefined) throw kmsError.CustomKeyStoreNotFoundException(`Custom key store ${storeId} does not exist.`);
      if (s.connectionState !== 'CONNECTED') {
        throw kmsError.CustomKeyStoreInvalidStateException(`Custom key store ${storeId} is ${s.connectionState}; it must be CONNECTED to create keys. Connect it, then retry.`);
      }
      const inStore = store.listKeys().filter((k) => k.customKeyStoreId === storeId);
      if (inStore.some((k) => k.xksKeyId === xksKeyIdRaw)) {
        throw kmsError.XksKeyAlreadyInUseException(`XksKeyId ${xksKeyIdRaw} is already associated with a KMS key in custom key store ${storeId}.`);
      }
      const keyId = deps.randomUUID();
      const arn = `${arnPrefix}${keyId}`;
      const result = await xks.getKeyMetadata(targetOf(s), xksKeyIdRaw, { awsPrincipalArn: ctx.principalArn, kmsOperation: 'CreateKey', kmsRequestId: ctx.requestId });
      if (!result.ok) {
        const m = mapFailure(result.failure);
        logger.warn({ kmsRequestId: ctx.requestId, kmsOperation: 'CreateKey', xksKeyId: xksKeyIdRaw, outcome: m.row, cause: describeFailure(result.failure) }, 'GetKeyMetadata failed');
        throw new KmsException(m.createKey, m.message, { detail: describeFailure(result.failure) });
      }
      const md = result.value;
      // spec A4: the attribute and the value the proxy reported are named.
      if (md.keySpec !== 'AES_256') throw kmsError.XksKeyInvalidConfigurationException(`The external key ${xksKeyIdRaw} has keySpec ${md.keySpec}; it must be AES_256.`);
      for (const usage of ['ENCRYPT', 'DECRYPT']) {
        if (!md.keyUsage.includes(usage)) throw kmsError.XksKeyInvalidConfigurationException(`The external key ${xksKeyIdRaw} has keyUsage [${md.keyUsage.join(', ')}]; it must include ${usage}.`);
      }
      if (md.keyStatus !== 'ENABLED') throw kmsError.XksKeyInvalidConfigurationException(`The external key ${xksKeyIdRaw} has keyStatus ${md.keyStatus}; it must be ENABLED.`);
      if (store.listKeys().some((k) => k.customKeyStoreId === storeId && k.xksKeyId === xksKeyIdRaw)) {
        throw kmsError.XksKeyAlreadyInUseException(`XksKeyId ${xksKeyIdRaw} is already associated with a KMS key in custom key store ${storeId}.`);
      }
      const record: KmsKeyRecord = {
        keyId,
        arn,
        customKeyStoreId: storeId,
        xksKeyId: xksKeyIdRaw,
        description,
        keyState: 'Enabled',
        creationDate: clock(),
        deletionDate: undefined,
        pendingWindowInDays: undefined,
        keyMaterial: deps.randomBytes(32),
      };
      store.putKey(record);
      logger.info({ kmsRequestId: ctx.requestId, keyArn: arn, customKeyStoreId: storeId, xksKeyId: xksKeyIdRaw }, 'key created');
      return { KeyMetadata: keyMetadata(record) };
    },

    async describeKey(body) {
      return { KeyMetadata: keyMetadata(keyFrom(body)) };
    },

    async listKeys(body) {
      const limit = optionalInteger(body, 'Limit', 1, 1000) ?? 100;
      const marker = optionalString(body, 'Marker', { min: 1, max: 1024 });
      const now = clock();
      const all = store.listKeys().filter((k) => !(k.keyState === 'PendingDeletion' && (k.deletionDate ?? Infinity) <= now));
      let start = 0;
      if (marker !== undefined) {
        start = all.findIndex((k) => k.keyId === Buffer.from(marker, 'base64').toString('utf8'));
        if (start < 0) throw kmsError.InvalidMarkerException('The marker that specifies where pagination should next begin is not valid.');
      }
      const page = all.slice(start, start + limit);
      const next = all[start + limit];
      const out: Record<string, unknown> = { Keys: page.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })), Truncated: next !== undefined };
      if (next !== undefined) out['NextMarker'] = Buffer.from(next.keyId).toString('base64');
      return out;
    },

    async enableKey(body) {
      const k = keyFrom(body);
      if (k.keyState === 'PendingDeletion') throw kmsError.KMSInvalidStateException(`${k.arn} is pending deletion.`);
      store.putKey({ ...k, keyState: 'Enabled' });
      return {};
    },

    async disableKey(body) {
      const k = keyFrom(body);
      if (k.keyState === 'PendingDeletion') throw kmsError.KMSInvalidStateException(`${k.arn} is pending deletion.`);
      store.putKey({ ...k, keyState: 'Disabled' });
      return {};
    },

    async scheduleKeyDeletion(body) {
      const k = keyFrom(body);
      const days = optionalInteger(body, 'PendingWindowInDays', 7, 30) ?? 30;
      if (k.keyState === 'PendingDeletion') throw kmsError.KMSInvalidStateException(`${k.arn} is already pending deletion.`);
      const deletionDate = clock() + days * DAY_MS;
      store.putKey({ ...k, keyState: 'PendingDeletion', deletionDate, pendingWindowInDays: days });
      return { KeyId: k.arn, DeletionDate: deletionDate / 1000, KeyState: 'PendingDeletion', PendingWindowInDays: days };
    },

    async cancelKeyDeletion(body) {
      const k = keyFrom(body);
      if (k.keyState !== 'PendingDeletion') throw kmsError.KMSInvalidStateException(`${k.arn} is not pending deletion.`);
      // As in KMS, a key whose deletion is cancelled is Disabled.
      store.putKey({ ...k, keyState: 'Disabled', deletionDate: undefined, pendingWindowInDays: undefined });
      return { KeyId: k.arn };
    },

    async encrypt(body, ctx) {
      const k = keyFrom(body);
      const plaintext = requiredBlob(body, 'Plaintext', 1, MAX_PLAINTEXT_BYTES);
      const context = optionalEncryptionContext(body, 'EncryptionContext');
      checkAlgorithm(body, 'EncryptionAlgorithm');
      const s = usable(k);
      const blob = await encryptWith(k, s, plaintext, context, 'Encrypt', ctx);
      return { CiphertextBlob: blob.toString('base64'), KeyId: k.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },

    async decrypt(body, ctx) {
      const blob = requiredBlob(body, 'CiphertextBlob', 1, MAX_BLOB_INPUT_BYTES);
      const context = optionalEncryptionContext(body, 'EncryptionContext');
      const keyId = optionalString(body, 'KeyId', KEY_ID);
      checkAlgorithm(body, 'EncryptionAlgorithm');
      const { key, plaintext } = await decryptBlob(blob, context, keyId, 'Decrypt', ctx);
      return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },

    async generateDataKey(body, ctx) {
      const { key, blob, plaintext } = await generate(body, ctx, 'GenerateDataKey');
      return { CiphertextBlob: blob.toString('base64'), Plaintext: plaintext.toString('base64'), KeyId: key.arn };
    },

    async generateDataKeyWithoutPlaintext(body, ctx) {
      const { key, blob } = await generate(body, ctx, 'GenerateDataKeyWithoutPlaintext');
      return { CiphertextBlob: blob.toString('base64'), KeyId: key.arn };
    },

    async reEncrypt(body, ctx) {
      const blob = requiredBlob(body, 'CiphertextBlob', 1, MAX_BLOB_INPUT_BYTES);
      const sourceContext = optionalEncryptionContext(body, 'SourceEncryptionContext');
      const sourceKeyId = optionalString(body, 'SourceKeyId', KEY_ID);
      const destination = keyFrom(body, 'DestinationKeyId');
      const destinationContext = optionalEncryptionContext(body, 'DestinationEncryptionContext');
      checkAlgorithm(body, 'SourceEncryptionAlgorithm');
      checkAlgorithm(body, 'DestinationEncryptionAlgorithm');
      const { key: source, plaintext } = await decryptBlob(blob, sourceContext, sourceKeyId, 'ReEncrypt', ctx);
      const s = usable(destination);
      const out = await encryptWith(destination, s, plaintext, destinationContext, 'ReEncrypt', ctx);
      plaintext.fill(0);
      return { CiphertextBlob: out.toString('base64'), SourceKeyId: source.arn, KeyId: destination.arn, SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT', DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
  };
}
