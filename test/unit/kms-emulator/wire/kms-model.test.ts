/** src/kms-emulator/wire/kms-model.ts is what the installed @aws-sdk/client-kms model gives (regenerate: npm run gen:kms-model). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { installedSdk, renderKmsModel } from '../../../../scripts/kms-model/render-kms-model.js';
import { KMS_ENUMS, KMS_STRUCTURES } from '../../../../src/kms-emulator/wire/kms-model.js';

test('kms-model.ts: generated from the installed SDK model, byte for byte', () => {
  const sdk = installedSdk();
  const committed = readFileSync(new URL('../../../../src/kms-emulator/wire/kms-model.ts', import.meta.url), 'utf8');
  assert.equal(committed, renderKmsModel(sdk.dir, sdk.version));
});

test('kms-model.ts: the model was read (required members, enums, nested structures)', () => {
  assert.deepEqual(KMS_STRUCTURES['EncryptRequest']?.['KeyId'], { r: 1, k: 'string' });
  assert.deepEqual(KMS_STRUCTURES['CreateKeyRequest']?.['KeyUsage'], { k: 'enum', of: 'KeyUsageType' });
  assert.deepEqual(KMS_STRUCTURES['XksProxyAuthenticationCredentialType']?.['AccessKeyId'], { r: 1, k: 'string' });
  assert.ok(KMS_ENUMS['DataKeyPairSpec']?.includes('ECC_NIST_EDWARDS25519'));
  assert.ok(Object.keys(KMS_STRUCTURES).filter((n) => n.endsWith('Request')).length >= 56);
});
