/**
 * Finding the KMS key a request names, as KMS does: key id, key ARN, and - where the operation accepts them -
 * alias name (`alias/...`) and alias ARN. Keys whose deletion date has passed are deleted on sight (with their
 * aliases and grants); a due automatic rotation of a standard key is applied on sight (key-rotation.ts).
 * Also the key-state checks shared by every operation that uses a key.
 */
import { kmsError } from '../wire/kms-exceptions.js';
import { applyDueRotation } from './key-rotation-rules.js';
import type { KmsServiceDeps } from '../context/service-context.js';
import type { CustomKeyStoreRecord, KmsKeyRecord } from '../store/records.js';
import { requiredString, type JsonObject } from '../wire/fields.js';

/** API model KeyIdType. */
export const KEY_ID = { min: 1, max: 2048 } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface ResolveOptions {
  /** Operations whose KeyId accepts alias names and alias ARNs (cryptographic operations, DescribeKey). */
  readonly aliases: boolean;
  /** The member name, for messages. */
  readonly member?: string;
}

export interface KeyResolver {
  readonly keyArnPrefix: string;
  readonly aliasArnPrefix: string;
  resolve(input: string, options: ResolveOptions): KmsKeyRecord;
  /** requiredString(body, member) then resolve. */
  keyFrom(body: JsonObject, member: string, options: ResolveOptions): KmsKeyRecord;
  storeOf(k: KmsKeyRecord): CustomKeyStoreRecord | undefined;
  /** spec B1: an XKS key is Unavailable while its store is not CONNECTED, unless PendingDeletion. */
  reportedState(k: KmsKeyRecord): string;
  /** Management operations (tags, policies, aliases, description, grants): refused while PendingDeletion. */
  notPendingDeletion(k: KmsKeyRecord, operation: string): void;
  /** Cryptographic use: Enabled and, for an XKS key, its store CONNECTED (spec B1/B5). */
  usableForCrypto(k: KmsKeyRecord): CustomKeyStoreRecord | undefined;
}

export function createKeyResolver(deps: Pick<KmsServiceDeps, 'config' | 'store' | 'clock' | 'randomBytes'>): KeyResolver {
  const { config, store, clock } = deps;
  const keyArnPrefix = `arn:aws:kms:${config.region}:${config.accountId}:key/`;
  const aliasArnPrefix = `arn:aws:kms:${config.region}:${config.accountId}:`;

  function notFound(input: string): Error {
    return kmsError.NotFoundException(`Key '${input}' does not exist`);
  }

  function byId(id: string, input: string): KmsKeyRecord {
    const k = UUID.test(id) ? store.getKey(id) : undefined;
    if (k === undefined) throw notFound(input);
    if (k.keyState === 'PendingDeletion' && (k.deletionDate ?? Infinity) <= clock()) {
      store.deleteKey(k.keyId);
      throw notFound(k.arn);
    }
    const rotated = applyDueRotation(k, clock(), deps.randomBytes);
    if (rotated !== k) store.putKey(rotated);
    return rotated;
  }

  function resolve(input: string, options: ResolveOptions): KmsKeyRecord {
    let alias: string | undefined;
    if (input.startsWith('alias/')) alias = input;
    else if (input.startsWith(`${aliasArnPrefix}alias/`)) alias = input.slice(aliasArnPrefix.length);
    if (alias !== undefined) {
      if (!options.aliases) {
        throw kmsError.NotFoundException(`${options.member ?? 'KeyId'} '${input}' must be a key ID or key ARN here; this operation does not accept alias names.`);
      }
      const a = store.getAlias(alias);
      if (a === undefined) throw kmsError.NotFoundException(`Alias ${aliasArnPrefix}${alias} is not found.`);
      return byId(a.targetKeyId, input);
    }
    if (input.startsWith('arn:')) {
      if (!input.startsWith(keyArnPrefix)) throw notFound(input);
      return byId(input.slice(keyArnPrefix.length), input);
    }
    return byId(input, input);
  }

  function storeOf(k: KmsKeyRecord): CustomKeyStoreRecord | undefined {
    return k.customKeyStoreId === undefined ? undefined : store.getCustomKeyStore(k.customKeyStoreId);
  }

  return {
    keyArnPrefix,
    aliasArnPrefix,
    resolve,
    keyFrom: (body, member, options) => resolve(requiredString(body, member, KEY_ID), { ...options, member }),
    storeOf,
    reportedState(k) {
      if (k.keyState === 'PendingDeletion' || k.origin !== 'EXTERNAL_KEY_STORE') return k.keyState;
      return storeOf(k)?.connectionState === 'CONNECTED' ? k.keyState : 'Unavailable';
    },
    notPendingDeletion(k, operation) {
      if (k.keyState === 'PendingDeletion') throw kmsError.KMSInvalidStateException(`${k.arn} is pending deletion; ${operation} is not allowed in this key state.`);
    },
    usableForCrypto(k) {
      if (k.keyState === 'PendingDeletion') throw kmsError.KMSInvalidStateException(`${k.arn} is pending deletion.`);
      let s: CustomKeyStoreRecord | undefined;
      if (k.origin === 'EXTERNAL_KEY_STORE') {
        s = storeOf(k);
        if (s === undefined || s.connectionState !== 'CONNECTED') {
          throw kmsError.KMSInvalidStateException(`${k.arn} is unavailable because its custom key store ${k.customKeyStoreId ?? ''} is ${s?.connectionState ?? 'missing'}. Connect the custom key store, then retry.`);
        }
      }
      if (k.keyState === 'Disabled') throw kmsError.DisabledException(`${k.arn} is disabled.`);
      return s;
    },
  };
}
