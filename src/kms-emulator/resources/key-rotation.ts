/**
 * Key material rotation of standard keys: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus,
 * RotateKeyOnDemand, ListKeyRotations. Old material versions are kept, so every older ciphertext still decrypts.
 * Keys in an external key store do not support rotation (spec B1): UnsupportedOperationException, as KMS answers.
 */
import { kmsError } from '../wire/kms-exceptions.js';
import type { KeyResolver } from './key-resolver.js';
import { DAY_MS, MAX_ON_DEMAND_ROTATIONS, newMaterialVersion, ROTATION_PERIOD_DAYS } from './key-rotation-rules.js';
import { pageOutput, paginate } from './pagination.js';
import type { EmptyOutput, KmsServiceDeps, RequestContext } from '../context/service-context.js';
import type { KmsKeyRecord } from '../store/records.js';
import { optionalInteger, optionalString, type JsonObject } from '../wire/fields.js';

export type KeyIdInput = { readonly KeyId: string };
export type EnableKeyRotationInput = KeyIdInput & { readonly RotationPeriodInDays?: number };
export type GetKeyRotationStatusOutput = { readonly KeyRotationEnabled: boolean; readonly KeyId: string; readonly RotationPeriodInDays?: number; readonly NextRotationDate?: number };
export type RotationsListEntry = { readonly KeyId: string; readonly KeyMaterialId: string; readonly RotationDate: number; readonly RotationType: string };
export type ListKeyRotationsInput = KeyIdInput & { readonly Limit?: number; readonly Marker?: string; readonly IncludeKeyMaterial?: string };
export type ListKeyRotationsOutput = { readonly Rotations: RotationsListEntry[]; readonly Truncated: boolean; readonly NextMarker?: string };

export interface RotationService {
  enableKeyRotation(input: EnableKeyRotationInput, ctx: RequestContext): Promise<EmptyOutput>;
  disableKeyRotation(input: KeyIdInput, ctx: RequestContext): Promise<EmptyOutput>;
  getKeyRotationStatus(input: KeyIdInput): Promise<GetKeyRotationStatusOutput>;
  rotateKeyOnDemand(input: KeyIdInput, ctx: RequestContext): Promise<{ KeyId: string }>;
  listKeyRotations(input: ListKeyRotationsInput): Promise<ListKeyRotationsOutput>;
}

export function createRotationService(deps: KmsServiceDeps, resolver: KeyResolver): RotationService {
  const { store, clock, logger } = deps;

  /** The key, refused when it cannot rotate: XKS keys (UnsupportedOperationException), then state. */
  function rotatable(body: JsonObject, operation: string, needsEnabled: boolean): KmsKeyRecord {
    const k = resolver.keyFrom(body, 'KeyId', { aliases: false });
    if (k.origin === 'EXTERNAL_KEY_STORE') {
      throw kmsError.UnsupportedOperationException(`${operation} is not supported on a KMS key in an external key store (${k.arn}): its key material is managed outside AWS.`);
    }
    resolver.notPendingDeletion(k, operation);
    if (needsEnabled && k.keyState === 'Disabled') throw kmsError.DisabledException(`${k.arn} is disabled.`);
    return k;
  }

  return {
    async enableKeyRotation(input, ctx) {
      const k = rotatable(input, 'EnableKeyRotation', true);
      const period = optionalInteger(input, 'RotationPeriodInDays', ROTATION_PERIOD_DAYS.min, ROTATION_PERIOD_DAYS.max) ?? ROTATION_PERIOD_DAYS.default;
      store.putKey({ ...k, rotation: { enabled: true, periodInDays: period, nextRotationDate: clock() + period * DAY_MS } });
      logger.info({ kmsRequestId: ctx.requestId, keyArn: k.arn, rotationPeriodInDays: period }, 'automatic rotation enabled');
      return {};
    },

    async disableKeyRotation(input, ctx) {
      const k = rotatable(input, 'DisableKeyRotation', true);
      store.putKey({ ...k, rotation: { ...k.rotation, enabled: false, nextRotationDate: undefined } });
      logger.info({ kmsRequestId: ctx.requestId, keyArn: k.arn }, 'automatic rotation disabled');
      return {};
    },

    async getKeyRotationStatus(input) {
      const k = rotatable(input, 'GetKeyRotationStatus', false);
      const { rotation } = k;
      return {
        KeyRotationEnabled: rotation.enabled,
        KeyId: k.arn,
        ...(rotation.enabled && rotation.periodInDays !== undefined && { RotationPeriodInDays: rotation.periodInDays }),
        ...(rotation.enabled && rotation.nextRotationDate !== undefined && { NextRotationDate: rotation.nextRotationDate / 1000 }),
      };
    },

    async rotateKeyOnDemand(input, ctx) {
      const k = rotatable(input, 'RotateKeyOnDemand', true);
      const done = k.materials.filter((m) => m.rotationType === 'ON_DEMAND').length;
      if (done >= MAX_ON_DEMAND_ROTATIONS) throw kmsError.LimitExceededException(`${k.arn} has been rotated on demand ${MAX_ON_DEMAND_ROTATIONS} times, the maximum per KMS key.`);
      const next = newMaterialVersion(k, clock(), deps.randomBytes, 'ON_DEMAND');
      store.putKey({ ...k, materials: [...k.materials, next] });
      logger.info({ kmsRequestId: ctx.requestId, keyArn: k.arn, materialVersion: next.version }, 'key rotated on demand');
      return { KeyId: k.arn };
    },

    async listKeyRotations(input) {
      const body: JsonObject = input;
      const k = rotatable(body, 'ListKeyRotations', false);
      optionalString(body, 'IncludeKeyMaterial', { oneOf: ['ALL_KEY_MATERIAL', 'ROTATIONS_ONLY'] });
      const rotations = k.materials.filter((m) => m.rotationType !== undefined);
      const page = paginate(rotations, body, (m) => m.id, { defaultLimit: 100, maxLimit: 1000 });
      return pageOutput('Rotations', { ...page, items: page.items.map((m) => ({ KeyId: k.arn, KeyMaterialId: m.id, RotationDate: m.createdAt / 1000, RotationType: m.rotationType ?? 'AUTOMATIC' })) });
    },
  };
}
