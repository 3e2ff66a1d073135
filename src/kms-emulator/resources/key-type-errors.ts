/**
 * Operations that exist in KMS for key types the emulator does not have (asymmetric, HMAC, key agreement, ML-KEM,
 * imported material, multi-Region). On the emulator's symmetric keys KMS answers each with a specific error, and
 * so does the emulator, after the same key lookup and state checks (so NotFoundException, DisabledException and
 * KMSInvalidStateException come first, as in KMS): error handling can be tested against them.
 */
import { readCommon } from './crypto-operations.js';
import { kmsError } from '../wire/kms-exceptions.js';
import type { KeyResolver } from './key-resolver.js';
import type { KmsKeyRecord } from '../store/records.js';
import type { JsonObject } from '../wire/fields.js';

/** The KeyUsage each operation needs (API model KeyUsageType). */
const NEEDED_USAGE: Readonly<Record<string, string>> = Object.freeze({
  Sign: 'SIGN_VERIFY',
  Verify: 'SIGN_VERIFY',
  GenerateMac: 'GENERATE_VERIFY_MAC',
  VerifyMac: 'GENERATE_VERIFY_MAC',
  DeriveSharedSecret: 'KEY_AGREEMENT',
  Encapsulate: 'KEY_ENCAPSULATION',
  Decapsulate: 'KEY_ENCAPSULATION',
});

export type KeyTypeErrorOperation = keyof typeof NEEDED_USAGE | 'GetPublicKey' | 'GetParametersForImport' | 'ImportKeyMaterial' | 'DeleteImportedKeyMaterial' | 'ReplicateKey' | 'UpdatePrimaryRegion';

export const KEY_USAGE_OPERATIONS: readonly string[] = Object.keys(NEEDED_USAGE);
export const KEY_KIND_OPERATIONS: readonly string[] = ['GetPublicKey', 'GetParametersForImport', 'ImportKeyMaterial', 'DeleteImportedKeyMaterial', 'ReplicateKey', 'UpdatePrimaryRegion'];

/** Throws the error KMS gives for `operation` on a symmetric encryption key (always throws). */
export function refuseForKeyType(resolver: KeyResolver, operation: string, body: JsonObject): never {
  const usage = NEEDED_USAGE[operation];
  if (usage !== undefined) {
    readCommon(body, operation);
    const k = resolver.keyFrom(body, 'KeyId', { aliases: true });
    resolver.usableForCrypto(k);
    throw kmsError.InvalidKeyUsageException(`${k.arn} has KeyUsage ENCRYPT_DECRYPT; ${operation} needs a KMS key with KeyUsage ${usage}, which the KMS emulator does not have.`);
  }
  const k: KmsKeyRecord = resolver.keyFrom(body, 'KeyId', { aliases: operation === 'GetPublicKey' });
  switch (operation) {
    case 'GetPublicKey':
      resolver.usableForCrypto(k);
      throw kmsError.UnsupportedOperationException(`${k.arn} is a symmetric encryption KMS key; GetPublicKey works only on asymmetric KMS keys.`);
    case 'GetParametersForImport':
    case 'ImportKeyMaterial':
    case 'DeleteImportedKeyMaterial':
      resolver.notPendingDeletion(k, operation);
      throw kmsError.UnsupportedOperationException(`${k.arn} has Origin ${k.origin}; ${operation} works only on KMS keys with Origin EXTERNAL (imported key material).`);
    case 'ReplicateKey':
    case 'UpdatePrimaryRegion':
      throw kmsError.UnsupportedOperationException(`${k.arn} is a single-Region key; ${operation} works only on multi-Region keys.`);
    default:
      throw kmsError.UnsupportedOperationException(`${operation} is not supported by the KMS emulator.`);
  }
}
