/**
 * Key material rotation of standard keys as pure steps: a new material version, and the automatic rotation that
 * is due. The operations (EnableKeyRotation, RotateKeyOnDemand, ...) are in key-rotation.ts.
 */
import type { KeyMaterialVersion, KmsKeyRecord } from '../store/records.js';

/** API reference, EnableKeyRotation: RotationPeriodInDays 90-2560, default 365. */
export const ROTATION_PERIOD_DAYS = { min: 90, max: 2560, default: 365 } as const;
/** API reference, RotateKeyOnDemand: "a maximum of 25 times per KMS key". */
export const MAX_ON_DEMAND_ROTATIONS = 25;
export const DAY_MS = 86_400_000;
/** Standard keys: AES-256 material. */
export const KEY_MATERIAL_BYTES = 32;

export function newMaterialVersion(k: Pick<KmsKeyRecord, 'materials'>, now: number, randomBytes: (n: number) => Buffer, rotationType: KeyMaterialVersion['rotationType']): KeyMaterialVersion {
  const last = k.materials[k.materials.length - 1];
  return { version: last === undefined ? 0 : last.version + 1, id: randomBytes(32).toString('hex'), createdAt: now, rotationType, material: randomBytes(KEY_MATERIAL_BYTES) };
}

/** The key with its automatic rotation applied when due (Enabled standard keys only); the same object otherwise. */
export function applyDueRotation(k: KmsKeyRecord, now: number, randomBytes: (n: number) => Buffer): KmsKeyRecord {
  const { rotation } = k;
  if (k.origin !== 'AWS_KMS' || k.keyState !== 'Enabled' || !rotation.enabled || rotation.nextRotationDate === undefined || rotation.nextRotationDate > now) return k;
  const period = rotation.periodInDays ?? ROTATION_PERIOD_DAYS.default;
  return {
    ...k,
    materials: [...k.materials, newMaterialVersion(k, rotation.nextRotationDate, randomBytes, 'AUTOMATIC')],
    rotation: { ...rotation, nextRotationDate: now + period * DAY_MS },
  };
}

export function currentMaterial(k: KmsKeyRecord): KeyMaterialVersion {
  const m = k.materials[k.materials.length - 1];
  if (m === undefined) throw new Error(`key ${k.keyId} has no key material`);
  return m;
}
