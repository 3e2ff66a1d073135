/**
 * KMS keys: CreateKey for standard symmetric keys (origin AWS_KMS, material held by the emulator) and for
 * external keys (spec B10: origin EXTERNAL_KEY_STORE, checked with the proxy's GetKeyMetadata), with Policy,
 * Tags and Description; DescribeKey, ListKeys, EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion,
 * UpdateKeyDescription. Key types the emulator does not have (asymmetric, HMAC, imported material, CloudHSM,
 * multi-Region) are refused with UnsupportedOperationException naming what was asked.
 */
import { kmsError, KmsException } from '../wire/kms-exceptions.js';
import { buildKeyMetadata, type KeyMetadata } from './key-metadata.js';
import { checkKeyPolicy } from './key-policy-rules.js';
import type { KeyAccess } from './key-access.js';
import { KEY_ID, type KeyResolver } from './key-resolver.js';
import { DAY_MS, newMaterialVersion } from './key-rotation-rules.js';
import { pageOutput, paginateKeyed } from './pagination.js';
import { describeFailure } from '../../xks-client/proxy-outcome.js';
import { mapFailure } from '../custom-key-stores/proxy-outcome-mapping.js';
import type { EmptyOutput, KmsServiceDeps, RequestContext } from '../context/service-context.js';
import { buildDefaultKeyPolicy, type KmsKeyRecord, type ResourceTag } from '../store/records.js';
import type { KeySummary } from '../store/kms-state-store.js';
import { mergeTags, parseTags } from './tag-rules.js';
import { targetOf } from '../custom-key-stores/custom-key-store-rules.js';
import { optionalBoolean, optionalInteger, optionalString, requiredString, type JsonObject } from '../wire/fields.js';

/** spec A2 / B10: XksKeyId is 1-128 chars of [a-zA-Z0-9-_.]. */
export const XKS_KEY_ID = { min: 1, max: 128, pattern: /^[a-zA-Z0-9-_.]+$/ } as const;
/** API model DescriptionType. */
export const DESCRIPTION = { min: 0, max: 8192 } as const;
/** ScheduleKeyDeletion: PendingWindowInDays 7-30, default 30. */
export const PENDING_WINDOW_DAYS = { min: 7, max: 30, default: 30 } as const;
const ORIGINS = ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'];

export type CreateKeyInput = {
  readonly Policy?: string;
  readonly Description?: string;
  readonly KeyUsage?: string;
  readonly CustomerMasterKeySpec?: string;
  readonly KeySpec?: string;
  readonly Origin?: string;
  readonly CustomKeyStoreId?: string;
  readonly BypassPolicyLockoutSafetyCheck?: boolean;
  readonly Tags?: readonly ResourceTag[];
  readonly MultiRegion?: boolean;
  readonly XksKeyId?: string;
};
export type KeyIdInput = { readonly KeyId: string };
export type KeyMetadataOutput = { readonly KeyMetadata: KeyMetadata };
export type ListKeysInput = { readonly Limit?: number; readonly Marker?: string };
export type ListKeysOutput = { readonly Keys: { KeyId: string; KeyArn: string }[]; readonly Truncated: boolean; readonly NextMarker?: string };
export type ScheduleKeyDeletionInput = KeyIdInput & { readonly PendingWindowInDays?: number };
export type ScheduleKeyDeletionOutput = { readonly KeyId: string; readonly DeletionDate: number; readonly KeyState: 'PendingDeletion'; readonly PendingWindowInDays: number };
export type UpdateKeyDescriptionInput = KeyIdInput & { readonly Description: string };

export interface KeyService {
  createKey(input: CreateKeyInput, ctx: RequestContext): Promise<KeyMetadataOutput>;
  describeKey(input: KeyIdInput & { readonly GrantTokens?: readonly string[] }): Promise<KeyMetadataOutput>;
  listKeys(input?: ListKeysInput): Promise<ListKeysOutput>;
  enableKey(input: KeyIdInput): Promise<EmptyOutput>;
  disableKey(input: KeyIdInput): Promise<EmptyOutput>;
  scheduleKeyDeletion(input: ScheduleKeyDeletionInput): Promise<ScheduleKeyDeletionOutput>;
  cancelKeyDeletion(input: KeyIdInput): Promise<{ KeyId: string }>;
  updateKeyDescription(input: UpdateKeyDescriptionInput): Promise<EmptyOutput>;
}

export function createKeyService(deps: KmsServiceDeps, resolver: KeyResolver, access: Pick<KeyAccess, 'checkNewPolicy'>): KeyService {
  const { config, store, xks, clock, logger } = deps;
  const idOnly = { aliases: false } as const;

  /** spec B10 checks, in the emulator's order; returns the XKS fields of the new key. */
  async function checkExternalKey(body: JsonObject, ctx: RequestContext): Promise<{ customKeyStoreId: string; xksKeyId: string }> {
    const xksKeyId = optionalString(body, 'XksKeyId', XKS_KEY_ID);
    if (xksKeyId === undefined) throw kmsError.ValidationException('XksKeyId is required when Origin is EXTERNAL_KEY_STORE.');
    const storeId = optionalString(body, 'CustomKeyStoreId', { min: 1, max: 64 });
    if (storeId === undefined) throw kmsError.ValidationException('CustomKeyStoreId is required when Origin is EXTERNAL_KEY_STORE.');
    const s = store.getCustomKeyStore(storeId);
    if (s === undefined) throw kmsError.CustomKeyStoreNotFoundException(`Custom key store ${storeId} does not exist.`);
    if (s.connectionState !== 'CONNECTED') {
      throw kmsError.CustomKeyStoreInvalidStateException(`Custom key store ${storeId} is ${s.connectionState}; it must be CONNECTED to create keys. Connect it, then retry.`);
    }
    const inUse = (): boolean => store.hasXksKey(storeId, xksKeyId);
    const alreadyInUse = (): KmsException => kmsError.XksKeyAlreadyInUseException(`XksKeyId ${xksKeyId} is already associated with a KMS key in custom key store ${storeId}.`);
    if (inUse()) throw alreadyInUse();
    const result = await xks.getKeyMetadata(targetOf(s), xksKeyId, { awsPrincipalArn: ctx.principalArn, kmsOperation: 'CreateKey', kmsRequestId: ctx.requestId });
    if (!result.ok) {
      const m = mapFailure(result.failure);
      logger.warn({ kmsRequestId: ctx.requestId, kmsOperation: 'CreateKey', xksKeyId, outcome: m.row, cause: describeFailure(result.failure) }, 'GetKeyMetadata failed');
      throw new KmsException(m.createKey, m.message, { detail: describeFailure(result.failure) });
    }
    const md = result.value;
    // spec A4: the attribute and the value the proxy reported are named.
    if (md.keySpec !== 'AES_256') throw kmsError.XksKeyInvalidConfigurationException(`The external key ${xksKeyId} has keySpec ${md.keySpec}; it must be AES_256.`);
    for (const usage of ['ENCRYPT', 'DECRYPT']) {
      if (!md.keyUsage.includes(usage)) throw kmsError.XksKeyInvalidConfigurationException(`The external key ${xksKeyId} has keyUsage [${md.keyUsage.join(', ')}]; it must include ${usage}.`);
    }
    if (md.keyStatus !== 'ENABLED') throw kmsError.XksKeyInvalidConfigurationException(`The external key ${xksKeyId} has keyStatus ${md.keyStatus}; it must be ENABLED.`);
    // Re-check after the await: another CreateKey may have won the race.
    if (inUse()) throw alreadyInUse();
    return { customKeyStoreId: storeId, xksKeyId };
  }

  function describe(k: KmsKeyRecord): KeyMetadataOutput {
    return { KeyMetadata: buildKeyMetadata(config.accountId, k, resolver) };
  }

  return {
    async createKey(input, ctx) {
      const body: JsonObject = input;
      const origin = optionalString(body, 'Origin', { oneOf: ORIGINS }) ?? 'AWS_KMS';
      const keySpec = optionalString(body, 'KeySpec') ?? optionalString(body, 'CustomerMasterKeySpec') ?? 'SYMMETRIC_DEFAULT';
      const keyUsage = optionalString(body, 'KeyUsage') ?? 'ENCRYPT_DECRYPT';
      const description = optionalString(body, 'Description', DESCRIPTION) ?? '';
      const given = body['Policy'] === undefined || body['Policy'] === null ? undefined : checkKeyPolicy(body['Policy']);
      const bypass = optionalBoolean(body, 'BypassPolicyLockoutSafetyCheck') ?? false;
      // The new key's ARN is not known yet: the lockout check asks about any key of the account.
      if (given !== undefined) access.checkNewPolicy(given, `${resolver.keyArnPrefix}*`, ctx, bypass);
      const policy = given ?? buildDefaultKeyPolicy(config.accountId);
      const tags = mergeTags([], parseTags(body) ?? []);
      if (origin !== 'EXTERNAL_KEY_STORE' && body['XksKeyId'] !== undefined) throw kmsError.ValidationException('XksKeyId is valid only when Origin is EXTERNAL_KEY_STORE.');
      if (origin === 'EXTERNAL' || origin === 'AWS_CLOUDHSM') {
        throw kmsError.UnsupportedOperationException(`CreateKey with Origin ${origin} is not emulated: the KMS emulator creates keys with Origin AWS_KMS (standard) or EXTERNAL_KEY_STORE.`);
      }
      if (keySpec !== 'SYMMETRIC_DEFAULT' || keyUsage !== 'ENCRYPT_DECRYPT') {
        throw kmsError.UnsupportedOperationException(`CreateKey with KeySpec ${keySpec} and KeyUsage ${keyUsage} is not emulated: the KMS emulator has symmetric encryption keys only (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT).`);
      }
      if (body['MultiRegion'] === true) throw kmsError.UnsupportedOperationException('CreateKey with MultiRegion true is not emulated: the KMS emulator has single-Region keys only.');
      const xksFields = origin === 'EXTERNAL_KEY_STORE' ? await checkExternalKey(body, ctx) : undefined;
      if (xksFields === undefined && body['CustomKeyStoreId'] !== undefined) {
        throw kmsError.UnsupportedOperationException('CreateKey with a CustomKeyStoreId needs Origin EXTERNAL_KEY_STORE (CloudHSM key stores are not emulated).');
      }
      const keyId = deps.randomUUID();
      const now = clock();
      const record: KmsKeyRecord = {
        keyId,
        arn: `${resolver.keyArnPrefix}${keyId}`,
        origin: xksFields === undefined ? 'AWS_KMS' : 'EXTERNAL_KEY_STORE',
        customKeyStoreId: xksFields?.customKeyStoreId,
        xksKeyId: xksFields?.xksKeyId,
        description,
        keyState: 'Enabled',
        creationDate: now,
        deletionDate: undefined,
        pendingWindowInDays: undefined,
        materials: [newMaterialVersion({ materials: [] }, now, deps.randomBytes, undefined)],
        policy,
        tags,
        rotation: { enabled: false, periodInDays: undefined, nextRotationDate: undefined },
      };
      store.putKey(record);
      logger.info({ kmsRequestId: ctx.requestId, keyArn: record.arn, origin: record.origin, customKeyStoreId: record.customKeyStoreId, xksKeyId: record.xksKeyId }, 'key created');
      return describe(record);
    },

    async describeKey(input) {
      return describe(resolver.keyFrom(input, 'KeyId', { aliases: true }));
    },

    async listKeys(input = {}) {
      const now = clock();
      const live = (k: KeySummary): boolean => !(k.keyState === 'PendingDeletion' && (k.deletionDate ?? Infinity) <= now);
      const page = paginateKeyed(input, store.readKeys, (k) => k.keyId, { defaultLimit: 100, maxLimit: 1000 }, live);
      return pageOutput('Keys', { ...page, items: page.items.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })) });
    },

    async enableKey(input) {
      const k = resolver.keyFrom(input, 'KeyId', idOnly);
      resolver.notPendingDeletion(k, 'EnableKey');
      store.putKey({ ...k, keyState: 'Enabled' });
      return {};
    },

    async disableKey(input) {
      const k = resolver.keyFrom(input, 'KeyId', idOnly);
      resolver.notPendingDeletion(k, 'DisableKey');
      store.putKey({ ...k, keyState: 'Disabled' });
      return {};
    },

    async scheduleKeyDeletion(input) {
      const k = resolver.keyFrom(input, 'KeyId', idOnly);
      const days = optionalInteger(input, 'PendingWindowInDays', PENDING_WINDOW_DAYS.min, PENDING_WINDOW_DAYS.max) ?? PENDING_WINDOW_DAYS.default;
      if (k.keyState === 'PendingDeletion') throw kmsError.KMSInvalidStateException(`${k.arn} is already pending deletion.`);
      const deletionDate = clock() + days * DAY_MS;
      store.putKey({ ...k, keyState: 'PendingDeletion', deletionDate, pendingWindowInDays: days });
      return { KeyId: k.arn, DeletionDate: deletionDate / 1000, KeyState: 'PendingDeletion', PendingWindowInDays: days };
    },

    async cancelKeyDeletion(input) {
      const k = resolver.keyFrom(input, 'KeyId', idOnly);
      if (k.keyState !== 'PendingDeletion') throw kmsError.KMSInvalidStateException(`${k.arn} is not pending deletion.`);
      // As in KMS, a key whose deletion is cancelled is Disabled.
      store.putKey({ ...k, keyState: 'Disabled', deletionDate: undefined, pendingWindowInDays: undefined });
      return { KeyId: k.arn };
    },

    async updateKeyDescription(input) {
      const k = resolver.keyFrom(input, 'KeyId', idOnly);
      const description = requiredString(input, 'Description', DESCRIPTION);
      resolver.notPendingDeletion(k, 'UpdateKeyDescription');
      store.putKey({ ...k, description });
      return {};
    },
  };
}

export { KEY_ID };
