/**
 * Which KMS key(s) a request acts on, and with which IAM action: what the key policy and grants are asked about.
 * Most key operations name their key in `KeyId` (`kms:<Operation>`); Decrypt may name it only in the ciphertext;
 * ReEncrypt acts on two keys (`kms:ReEncryptFrom` the source, `kms:ReEncryptTo` the destination); alias
 * operations act on the alias's key(s). A key that cannot be resolved yields no target: the operation itself then
 * answers its own error (NotFoundException, InvalidCiphertextException, ...), as KMS does.
 */
import { KMS_STRUCTURES } from '../wire/kms-model.js';
import type { JsonObject } from '../wire/fields.js';
import type { KmsStateStore } from '../store/kms-state-store.js';
import type { KmsKeyRecord } from '../store/records.js';
import type { KeyResolver } from './key-resolver.js';
import type { KeySealing } from './key-sealing.js';

export interface AccessTarget {
  readonly action: string;
  readonly key: KmsKeyRecord;
  readonly encryptionContext: Readonly<Record<string, string>> | undefined;
  readonly requestAlias: string | undefined;
}

/** Operations whose KeyId accepts alias names and alias ARNs (key-resolver.ts). */
const ALIAS_OK = new Set(['Encrypt', 'Decrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'DescribeKey', 'Sign', 'Verify', 'GenerateMac', 'VerifyMac', 'GetPublicKey', 'Encapsulate', 'Decapsulate', 'DeriveSharedSecret']);
/** Grant operations (the kms:GrantIsForAWSResource condition key applies). */
export const GRANT_OPERATIONS = new Set(['CreateGrant', 'ListGrants', 'RevokeGrant', 'RetireGrant']);

function contextOf(body: JsonObject, member: string): Readonly<Record<string, string>> {
  const v = body[member];
  // An operation that takes an encryption context and got none has the empty one.
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

export function createAccessTargets(store: KmsStateStore, resolver: KeyResolver, sealing: KeySealing) {
  function aliasOf(value: string): string | undefined {
    if (value.startsWith('alias/')) return value;
    if (value.startsWith(`${resolver.aliasArnPrefix}alias/`)) return value.slice(resolver.aliasArnPrefix.length);
    return undefined;
  }

  function resolved(value: unknown, aliases: boolean): { key: KmsKeyRecord; alias: string | undefined } | undefined {
    if (typeof value !== 'string' || value.length === 0) return undefined;
    try {
      return { key: resolver.resolve(value, { aliases }), alias: aliases ? aliasOf(value) : undefined };
    } catch {
      return undefined;
    }
  }

  /** The key a CiphertextBlob names, when the blob is one of this emulator's. */
  function keyOfBlob(value: unknown): KmsKeyRecord | undefined {
    if (typeof value !== 'string') return undefined;
    try {
      const keyId = sealing.parse(Buffer.from(value, 'base64')).blob.keyId;
      return store.getKey(keyId) === undefined ? undefined : resolver.resolve(keyId, { aliases: false });
    } catch {
      return undefined;
    }
  }

  function one(action: string, r: { key: KmsKeyRecord; alias: string | undefined } | undefined, encryptionContext?: Readonly<Record<string, string>>): AccessTarget[] {
    return r === undefined ? [] : [{ action, key: r.key, encryptionContext, requestAlias: r.alias }];
  }

  function aliasTarget(action: string, aliasName: unknown): AccessTarget[] {
    if (typeof aliasName !== 'string') return [];
    const a = store.getAlias(aliasName);
    return a === undefined ? [] : one(action, resolved(a.targetKeyId, false));
  }

  /** The targets of one request; [] for operations that act on no key (IAM alone decides those). */
  function targetsOf(operation: string, body: JsonObject): AccessTarget[] {
    const action = `kms:${operation}`;
    switch (operation) {
      case 'Decrypt': {
        const byId = resolved(body['KeyId'], true);
        const key = byId?.key ?? keyOfBlob(body['CiphertextBlob']);
        return key === undefined ? [] : [{ action, key, encryptionContext: contextOf(body, 'EncryptionContext'), requestAlias: byId?.alias }];
      }
      case 'ReEncrypt': {
        const byId = resolved(body['SourceKeyId'], true);
        const source = byId?.key ?? keyOfBlob(body['CiphertextBlob']);
        const from: AccessTarget[] = source === undefined ? [] : [{ action: 'kms:ReEncryptFrom', key: source, encryptionContext: contextOf(body, 'SourceEncryptionContext'), requestAlias: byId?.alias }];
        return [...from, ...one('kms:ReEncryptTo', resolved(body['DestinationKeyId'], true), contextOf(body, 'DestinationEncryptionContext'))];
      }
      case 'CreateAlias':
        return one(action, resolved(body['TargetKeyId'], false));
      case 'UpdateAlias':
        return [...aliasTarget(action, body['AliasName']), ...one(action, resolved(body['TargetKeyId'], false))];
      case 'DeleteAlias':
        return aliasTarget(action, body['AliasName']);
      case 'RetireGrant':
        return [];
      default: {
        const model = KMS_STRUCTURES[`${operation}Request`];
        if (model === undefined || model['KeyId'] === undefined) return [];
        const context = model['EncryptionContext'] === undefined ? undefined : contextOf(body, 'EncryptionContext');
        return one(action, resolved(body['KeyId'], ALIAS_OK.has(operation)), context);
      }
    }
  }

  return { targetsOf };
}
