/**
 * DescribeKey's KeyMetadata, member by member as the API reference gives them for the two key types the emulator
 * has (symmetric, single-Region; origin AWS_KMS or EXTERNAL_KEY_STORE) in each key state:
 * - DeletionDate only while PendingDeletion; PendingDeletionWindowInDays never (the API returns it only for a
 *   multi-Region primary key waiting for its replicas, which the emulator does not have);
 * - CustomKeyStoreId and XksKeyConfiguration only for XKS keys (spec B10);
 * - CurrentKeyMaterialId only for AWS_KMS keys (the key types that support rotation);
 * - ValidTo, ExpirationModel, CloudHsmClusterId, SigningAlgorithms, MacAlgorithms, MultiRegionConfiguration never.
 */
import type { KeyResolver } from './key-resolver.js';
import { currentMaterial } from './key-rotation-rules.js';
import type { KmsKeyRecord } from '../store/records.js';

export type KeyMetadata = {
  readonly AWSAccountId: string;
  readonly KeyId: string;
  readonly Arn: string;
  /** Epoch seconds. */
  readonly CreationDate: number;
  readonly Enabled: boolean;
  readonly Description: string;
  readonly KeyUsage: 'ENCRYPT_DECRYPT';
  readonly KeyState: string;
  readonly DeletionDate?: number;
  readonly Origin: string;
  readonly CustomKeyStoreId?: string;
  readonly KeyManager: 'CUSTOMER';
  readonly CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT';
  readonly KeySpec: 'SYMMETRIC_DEFAULT';
  readonly EncryptionAlgorithms: readonly string[];
  readonly MultiRegion: false;
  readonly XksKeyConfiguration?: { readonly Id: string };
  readonly CurrentKeyMaterialId?: string;
};

export function buildKeyMetadata(accountId: string, k: KmsKeyRecord, resolver: KeyResolver): KeyMetadata {
  const state = resolver.reportedState(k);
  const xks = k.origin === 'EXTERNAL_KEY_STORE';
  return {
    AWSAccountId: accountId,
    KeyId: k.keyId,
    Arn: k.arn,
    CreationDate: k.creationDate / 1000,
    Enabled: state === 'Enabled',
    Description: k.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: state,
    ...(k.keyState === 'PendingDeletion' && k.deletionDate !== undefined && { DeletionDate: k.deletionDate / 1000 }),
    Origin: k.origin,
    ...(xks && k.customKeyStoreId !== undefined && { CustomKeyStoreId: k.customKeyStoreId }),
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
    ...(xks && k.xksKeyId !== undefined && { XksKeyConfiguration: { Id: k.xksKeyId } }),
    ...(!xks && { CurrentKeyMaterialId: currentMaterial(k).id }),
  };
}
