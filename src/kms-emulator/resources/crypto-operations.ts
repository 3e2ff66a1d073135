/**
 * The cryptographic operations on symmetric keys of both types (spec B11 for XKS keys): Encrypt, Decrypt,
 * GenerateDataKey, GenerateDataKeyWithoutPlaintext, GenerateDataKeyPair(WithoutPlaintext) (standard keys only; an
 * XKS key does not support it, spec B1), ReEncrypt in any direction between the two types, GenerateRandom.
 * DryRun: every check runs (key, state, parameters), then DryRunOperationException; nothing is stored. Decrypt and
 * ReEncrypt validate the ciphertext (opening it; for an XKS key that is a proxy Decrypt) unless DryRunModifiers
 * has IGNORE_CIPHERTEXT; no other dry run calls the proxy. Recipient (attested enclaves) is refused: the emulator cannot verify attestation documents.
 */
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { CUSTOM_KEY_STORE_ID } from '../custom-key-stores/custom-key-store-rules.js';
import { kmsError } from '../wire/kms-exceptions.js';
import { KEY_ID, type KeyResolver } from './key-resolver.js';
import type { EncryptionContext, KeySealing } from './key-sealing.js';
import type { KmsServiceDeps, RequestContext } from '../context/service-context.js';
import type { KmsKeyRecord } from '../store/records.js';
import {
  optionalBoolean,
  optionalEncryptionContext,
  optionalInteger,
  optionalString,
  optionalStringList,
  requiredBlob,
  requiredString,
  type JsonObject,
} from '../wire/fields.js';
import { KMS_ENUMS } from '../wire/kms-model.js';

/** spec B1: KMS Encrypt takes at most 4096 bytes of plaintext. */
export const MAX_PLAINTEXT_BYTES = 4096;
export const MAX_BLOB_INPUT_BYTES = 6144;
/** API model GrantTokenList / GrantTokenType. */
const GRANT_TOKEN = { min: 1, max: 8192 } as const;
const MAX_GRANT_TOKENS = 10;
/** The API model's enums (kms-model.ts, generated from the SDK). */
const ENCRYPTION_ALGORITHMS = KMS_ENUMS['EncryptionAlgorithmSpec'] ?? [];
const KEY_PAIR_SPECS = KMS_ENUMS['DataKeyPairSpec'] ?? [];
export const DRY_RUN_MESSAGE = 'The request would have succeeded, but the DryRun option is set.';

type Blob64 = string;
type Common = { readonly GrantTokens?: readonly string[]; readonly DryRun?: boolean };
export type EncryptInput = Common & { readonly KeyId: string; readonly Plaintext: Blob64; readonly EncryptionContext?: EncryptionContext; readonly EncryptionAlgorithm?: string };
export type EncryptOutput = { readonly CiphertextBlob: Blob64; readonly KeyId: string; readonly EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
export type DecryptInput = Common & {
  readonly CiphertextBlob?: Blob64;
  readonly EncryptionContext?: EncryptionContext;
  readonly KeyId?: string;
  readonly EncryptionAlgorithm?: string;
  readonly DryRunModifiers?: readonly string[];
  readonly Recipient?: JsonObject;
};
export type DecryptOutput = { readonly KeyId: string; readonly Plaintext: Blob64; readonly EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
export type GenerateDataKeyInput = Common & { readonly KeyId: string; readonly EncryptionContext?: EncryptionContext; readonly NumberOfBytes?: number; readonly KeySpec?: string; readonly Recipient?: JsonObject };
export type GenerateDataKeyOutput = { readonly CiphertextBlob: Blob64; readonly Plaintext: Blob64; readonly KeyId: string };
export type GenerateDataKeyWithoutPlaintextOutput = { readonly CiphertextBlob: Blob64; readonly KeyId: string };
export type GenerateDataKeyPairInput = Common & { readonly KeyId: string; readonly KeyPairSpec: string; readonly EncryptionContext?: EncryptionContext; readonly Recipient?: JsonObject };
export type GenerateDataKeyPairOutput = { readonly PrivateKeyCiphertextBlob: Blob64; readonly PrivateKeyPlaintext?: Blob64; readonly PublicKey: Blob64; readonly KeyId: string; readonly KeyPairSpec: string };
export type ReEncryptInput = Common & {
  readonly CiphertextBlob?: Blob64;
  readonly SourceEncryptionContext?: EncryptionContext;
  readonly SourceKeyId?: string;
  readonly DestinationKeyId: string;
  readonly DestinationEncryptionContext?: EncryptionContext;
  readonly SourceEncryptionAlgorithm?: string;
  readonly DestinationEncryptionAlgorithm?: string;
  readonly DryRunModifiers?: readonly string[];
};
export type ReEncryptOutput = { readonly CiphertextBlob: Blob64; readonly SourceKeyId: string; readonly KeyId: string; readonly SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT'; readonly DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
export type GenerateRandomInput = { readonly NumberOfBytes?: number; readonly CustomKeyStoreId?: string; readonly Recipient?: JsonObject };
export type GenerateRandomOutput = { readonly Plaintext: Blob64 };

export interface CryptoService {
  encrypt(input: EncryptInput, ctx: RequestContext): Promise<EncryptOutput>;
  decrypt(input: DecryptInput, ctx: RequestContext): Promise<DecryptOutput>;
  generateDataKey(input: GenerateDataKeyInput, ctx: RequestContext): Promise<GenerateDataKeyOutput>;
  generateDataKeyWithoutPlaintext(input: GenerateDataKeyInput, ctx: RequestContext): Promise<GenerateDataKeyWithoutPlaintextOutput>;
  generateDataKeyPair(input: GenerateDataKeyPairInput, ctx: RequestContext): Promise<GenerateDataKeyPairOutput>;
  generateDataKeyPairWithoutPlaintext(input: GenerateDataKeyPairInput, ctx: RequestContext): Promise<GenerateDataKeyPairOutput>;
  reEncrypt(input: ReEncryptInput, ctx: RequestContext): Promise<ReEncryptOutput>;
  generateRandom(input: GenerateRandomInput): Promise<GenerateRandomOutput>;
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** Shared by every operation that has these members: GrantTokens checked, Recipient refused, DryRun read. */
export function readCommon(body: JsonObject, operation: string): { dryRun: boolean } {
  optionalStringList(body, 'GrantTokens', GRANT_TOKEN, MAX_GRANT_TOKENS);
  if (body['Recipient'] !== undefined && body['Recipient'] !== null) {
    throw kmsError.UnsupportedOperationException(
      `${operation} with Recipient is not supported by the KMS emulator: it cannot verify Nitro Enclaves or NitroTPM attestation documents, and it never returns plaintext in place of CiphertextForRecipient.`,
    );
  }
  return { dryRun: optionalBoolean(body, 'DryRun') ?? false };
}

function ignoreCiphertext(body: JsonObject): boolean {
  return (optionalStringList(body, 'DryRunModifiers', { oneOf: ['IGNORE_CIPHERTEXT'] }) ?? []).includes('IGNORE_CIPHERTEXT');
}

/**
 * A dry run of Decrypt or ReEncrypt has validated the ciphertext by opening it (KMS validates it unless
 * DryRunModifiers says IGNORE_CIPHERTEXT): the plaintext is wiped, and the answer is DryRunOperationException.
 */
function dryRunDone(plaintext: Buffer): never {
  plaintext.fill(0);
  throw kmsError.DryRunOperationException(DRY_RUN_MESSAGE);
}

function checkAlgorithm(body: JsonObject, member: string): void {
  const v = optionalString(body, member, { oneOf: ENCRYPTION_ALGORITHMS });
  if (v !== undefined && v !== 'SYMMETRIC_DEFAULT') {
    throw kmsError.InvalidKeyUsageException(`${v} is not valid for a symmetric encryption KMS key; use SYMMETRIC_DEFAULT.`);
  }
}

export function createCryptoService(deps: KmsServiceDeps, resolver: KeyResolver, sealing: KeySealing): CryptoService {
  const { store } = deps;
  const aliasesOk = { aliases: true } as const;

  /** The key a blob names (InvalidCiphertextException when it is unknown), its expiry and rotation applied. */
  function keyOfBlob(keyId: string): KmsKeyRecord {
    if (store.getKey(keyId) === undefined) throw kmsError.InvalidCiphertextException('The ciphertext refers to a KMS key that does not exist.');
    return resolver.resolve(keyId, { aliases: false });
  }

  function checkExpected(k: KmsKeyRecord, expected: string | undefined, member: string): void {
    if (expected !== undefined && resolver.resolve(expected, { aliases: true, member }).keyId !== k.keyId) {
      throw kmsError.IncorrectKeyException(`The ${member} in the request does not identify the KMS key that encrypted the ciphertext.`);
    }
  }

  /** Decrypt's and ReEncrypt's source side, up to (not including) the proxy call. */
  function readSource(body: JsonObject, keyMember: string, dryRun: boolean) {
    const keyId = optionalString(body, keyMember, KEY_ID);
    if (dryRun && ignoreCiphertext(body)) {
      if (keyId === undefined) throw kmsError.ValidationException(`${keyMember} is required when DryRunModifiers includes IGNORE_CIPHERTEXT.`);
      return { key: resolver.resolve(keyId, { aliases: true, member: keyMember }), parsed: undefined };
    }
    const parsed = sealing.parse(requiredBlob(body, 'CiphertextBlob', 1, MAX_BLOB_INPUT_BYTES));
    const key = keyOfBlob(parsed.blob.keyId);
    checkExpected(key, keyId, keyMember);
    return { key, parsed };
  }

  async function generate(input: GenerateDataKeyInput, ctx: RequestContext, op: string): Promise<{ key: KmsKeyRecord; blob: Buffer; plaintext: Buffer }> {
    const body: JsonObject = input;
    const { dryRun } = readCommon(body, op);
    const k = resolver.keyFrom(body, 'KeyId', aliasesOk);
    const context = optionalEncryptionContext(body, 'EncryptionContext');
    const spec = optionalString(body, 'KeySpec', { oneOf: ['AES_256', 'AES_128'] });
    const n = optionalInteger(body, 'NumberOfBytes', 1, 1024);
    if ((spec === undefined) === (n === undefined)) throw kmsError.ValidationException('Specify either KeySpec or NumberOfBytes, but not both.');
    resolver.usableForCrypto(k);
    if (dryRun) throw kmsError.DryRunOperationException(DRY_RUN_MESSAGE);
    const plaintext = deps.randomBytes(n ?? (spec === 'AES_128' ? 16 : 32));
    const blob = await sealing.seal(k, plaintext, context, op, ctx);
    return { key: k, blob, plaintext };
  }

  async function generatePair(input: GenerateDataKeyPairInput, ctx: RequestContext, op: string, withPlaintext: boolean): Promise<GenerateDataKeyPairOutput> {
    const body: JsonObject = input;
    const { dryRun } = readCommon(body, op);
    const k = resolver.keyFrom(body, 'KeyId', aliasesOk);
    const context = optionalEncryptionContext(body, 'EncryptionContext');
    const spec = requiredString(body, 'KeyPairSpec', { oneOf: KEY_PAIR_SPECS });
    resolver.usableForCrypto(k);
    if (k.origin === 'EXTERNAL_KEY_STORE') throw kmsError.UnsupportedOperationException(`${op} is not supported on a KMS key in an external key store (${k.arn}).`);
    if (spec === 'SM2') throw kmsError.UnsupportedOperationException('KeyPairSpec SM2 is available only in China Regions.');
    if (spec.startsWith('ML_KEM_')) throw kmsError.UnsupportedOperationException(`KeyPairSpec ${spec} is not emulated: the KMS emulator generates RSA, ECC and Ed25519 data key pairs.`);
    if (dryRun) throw kmsError.DryRunOperationException(DRY_RUN_MESSAGE);
    const pair = spec.startsWith('RSA_')
      ? await generateKeyPairAsync('rsa', { modulusLength: Number(spec.slice(4)) })
      : spec === 'ECC_NIST_EDWARDS25519'
        ? await generateKeyPairAsync('ed25519')
        : await generateKeyPairAsync('ec', { namedCurve: { ECC_NIST_P256: 'prime256v1', ECC_NIST_P384: 'secp384r1', ECC_NIST_P521: 'secp521r1' }[spec] ?? 'secp256k1' });
    const privateDer = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
    const publicDer = pair.publicKey.export({ format: 'der', type: 'spki' });
    const blob = await sealing.seal(k, privateDer, context, op, ctx);
    const out = { PrivateKeyCiphertextBlob: blob.toString('base64'), ...(withPlaintext && { PrivateKeyPlaintext: privateDer.toString('base64') }), PublicKey: publicDer.toString('base64'), KeyId: k.arn, KeyPairSpec: spec };
    privateDer.fill(0);
    return out;
  }

  return {
    async encrypt(input, ctx) {
      const body: JsonObject = input;
      const { dryRun } = readCommon(body, 'Encrypt');
      const k = resolver.keyFrom(body, 'KeyId', aliasesOk);
      const plaintext = requiredBlob(body, 'Plaintext', 1, MAX_PLAINTEXT_BYTES);
      const context = optionalEncryptionContext(body, 'EncryptionContext');
      checkAlgorithm(body, 'EncryptionAlgorithm');
      resolver.usableForCrypto(k);
      if (dryRun) throw kmsError.DryRunOperationException(DRY_RUN_MESSAGE);
      const blob = await sealing.seal(k, plaintext, context, 'Encrypt', ctx);
      return { CiphertextBlob: blob.toString('base64'), KeyId: k.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },

    async decrypt(input, ctx) {
      const body: JsonObject = input;
      const { dryRun } = readCommon(body, 'Decrypt');
      const context = optionalEncryptionContext(body, 'EncryptionContext');
      checkAlgorithm(body, 'EncryptionAlgorithm');
      const { key, parsed } = readSource(body, 'KeyId', dryRun);
      resolver.usableForCrypto(key);
      if (parsed === undefined) throw kmsError.DryRunOperationException(DRY_RUN_MESSAGE);
      const plaintext = await sealing.open(key, parsed, context, 'Decrypt', ctx);
      if (dryRun) dryRunDone(plaintext);
      return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },

    async generateDataKey(input, ctx) {
      const { key, blob, plaintext } = await generate(input, ctx, 'GenerateDataKey');
      return { CiphertextBlob: blob.toString('base64'), Plaintext: plaintext.toString('base64'), KeyId: key.arn };
    },

    async generateDataKeyWithoutPlaintext(input, ctx) {
      const { key, blob, plaintext } = await generate(input, ctx, 'GenerateDataKeyWithoutPlaintext');
      plaintext.fill(0);
      return { CiphertextBlob: blob.toString('base64'), KeyId: key.arn };
    },

    generateDataKeyPair: (input, ctx) => generatePair(input, ctx, 'GenerateDataKeyPair', true),
    generateDataKeyPairWithoutPlaintext: (input, ctx) => generatePair(input, ctx, 'GenerateDataKeyPairWithoutPlaintext', false),

    async reEncrypt(input, ctx) {
      const body: JsonObject = input;
      const { dryRun } = readCommon(body, 'ReEncrypt');
      const sourceContext = optionalEncryptionContext(body, 'SourceEncryptionContext');
      const destinationContext = optionalEncryptionContext(body, 'DestinationEncryptionContext');
      checkAlgorithm(body, 'SourceEncryptionAlgorithm');
      checkAlgorithm(body, 'DestinationEncryptionAlgorithm');
      const destination = resolver.keyFrom(body, 'DestinationKeyId', aliasesOk);
      const { key: source, parsed } = readSource(body, 'SourceKeyId', dryRun);
      resolver.usableForCrypto(source);
      resolver.usableForCrypto(destination);
      if (parsed === undefined) throw kmsError.DryRunOperationException(DRY_RUN_MESSAGE);
      const plaintext = await sealing.open(source, parsed, sourceContext, 'ReEncrypt', ctx);
      if (dryRun) dryRunDone(plaintext);
      try {
        const out = await sealing.seal(destination, plaintext, destinationContext, 'ReEncrypt', ctx);
        return { CiphertextBlob: out.toString('base64'), SourceKeyId: source.arn, KeyId: destination.arn, SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT', DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      } finally {
        plaintext.fill(0);
      }
    },

    async generateRandom(input) {
      const body: JsonObject = input;
      readCommon(body, 'GenerateRandom');
      const n = optionalInteger(body, 'NumberOfBytes', 1, 1024);
      const storeId = optionalString(body, 'CustomKeyStoreId', CUSTOM_KEY_STORE_ID);
      if (storeId !== undefined) {
        if (store.getCustomKeyStore(storeId) === undefined) throw kmsError.CustomKeyStoreNotFoundException(`Custom key store ${storeId} does not exist.`);
        // API reference: "If you specify the ID of an external key store, GenerateRandom throws an UnsupportedOperationException."
        throw kmsError.UnsupportedOperationException(`GenerateRandom cannot use custom key store ${storeId}: it is an external key store, and only CloudHSM key stores generate random bytes.`);
      }
      if (n === undefined) throw kmsError.ValidationException('NumberOfBytes is required.');
      return { Plaintext: deps.randomBytes(n).toString('base64') };
    },
  };
}
