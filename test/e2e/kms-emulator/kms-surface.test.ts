/**
 * The KMS surface around external keys (issue 14), driven by @aws-sdk/client-kms against the emulator app with a
 * fake proxy: standard keys, aliases, tags, key policies, grants, rotation, DryRun, Recipient, EncryptionContext
 * limits, DescribeKey per state, and the AWS errors for key types the emulator does not have.
 */
import {
  CreateAliasCommand,
  CreateCustomKeyStoreCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateMacCommand,
  GenerateRandomCommand,
  GetKeyLastUsageCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyPoliciesCommand,
  ListKeyRotationsCommand,
  ListResourceTagsCommand,
  ListRetirableGrantsCommand,
  PutKeyPolicyCommand,
  ReEncryptCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  ConnectCustomKeyStoreCommand,
  ImportKeyMaterialCommand,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { FAKE_ACCESS_KEY_ID, FAKE_SECRET, startFakeXksProxy, type FakeXksProxy } from '../../support/fake-xks-proxy.js';
import { startHarness, waitFor, type Harness } from '../../support/kms-harness.js';

const rejectsWith = (p: Promise<unknown>, name: string, status?: number): Promise<void> =>
  assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, name, e.message);
    if (status !== undefined) assert.equal(e.$metadata?.httpStatusCode, status);
    return true;
  });

describe('KMS surface: standard keys, aliases, tags, policies, grants, rotation, DryRun', () => {
  let h: Harness;
  let fake: FakeXksProxy;
  let xksKeyId: string;
  let stdKeyId: string;
  let stdArn: string;

  before(async () => {
    fake = await startFakeXksProxy({ externalKeyIds: ['foo'] });
    h = await startHarness();
    const s = await h.kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'surface', CustomKeyStoreType: 'EXTERNAL_KEY_STORE', XksProxyConnectivity: 'PUBLIC_ENDPOINT', XksProxyUriEndpoint: `http://127.0.0.1:${fake.port}`, XksProxyUriPath: '/kms/xks/v1', XksProxyAuthenticationCredential: { AccessKeyId: FAKE_ACCESS_KEY_ID, RawSecretAccessKey: FAKE_SECRET } }));
    await h.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: s.CustomKeyStoreId }));
    await waitFor(() => h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: s.CustomKeyStoreId })), (d) => d.CustomKeyStores?.[0]?.ConnectionState === 'CONNECTED');
    xksKeyId = (await h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: s.CustomKeyStoreId, XksKeyId: 'foo' }))).KeyMetadata!.KeyId!;
    const std = (await h.kms.send(new CreateKeyCommand({ Description: 'standard', Tags: [{ TagKey: 'team', TagValue: 'kms' }] }))).KeyMetadata!;
    stdKeyId = std.KeyId!;
    stdArn = std.Arn!;
  });
  after(async () => {
    await h.close();
    await fake.close();
  });

  it('CreateKey without Origin -> a standard AWS_KMS key: DescribeKey members of the API reference, no proxy call', async () => {
    const m = (await h.kms.send(new DescribeKeyCommand({ KeyId: stdKeyId }))).KeyMetadata!;
    assert.equal(m.Origin, 'AWS_KMS');
    assert.equal(m.KeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(m.KeyState, 'Enabled');
    assert.match(m.CurrentKeyMaterialId ?? '', /^[0-9a-f]{64}$/);
    for (const absent of ['CustomKeyStoreId', 'XksKeyConfiguration', 'DeletionDate', 'PendingDeletionWindowInDays', 'ValidTo'] as const) assert.equal(m[absent], undefined, absent);
  });

  it('standard key: Encrypt/Decrypt/GenerateDataKey round trips; wrong context -> InvalidCiphertextException', async () => {
    const before = fake.requests.length;
    const e = await h.kms.send(new EncryptCommand({ KeyId: stdKeyId, Plaintext: Buffer.from('standard'), EncryptionContext: { a: 'b' } }));
    assert.equal(e.KeyId, stdArn);
    const d = await h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { a: 'b' } }));
    assert.equal(Buffer.from(d.Plaintext!).toString(), 'standard');
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { a: 'c' } })), 'InvalidCiphertextException');
    const g = await h.kms.send(new GenerateDataKeyCommand({ KeyId: stdKeyId, KeySpec: 'AES_256' }));
    assert.deepEqual((await h.kms.send(new DecryptCommand({ CiphertextBlob: g.CiphertextBlob }))).Plaintext, g.Plaintext);
    assert.equal(fake.requests.length, before, 'standard keys never call the proxy');
  });

  it('ReEncrypt standard -> XKS -> standard (the migration rehearsal), with KeyId checks', async () => {
    const e = await h.kms.send(new EncryptCommand({ KeyId: stdKeyId, Plaintext: Buffer.from('migrate me'), EncryptionContext: { app: 'x' } }));
    const toXks = await h.kms.send(new ReEncryptCommand({ CiphertextBlob: e.CiphertextBlob, SourceEncryptionContext: { app: 'x' }, DestinationKeyId: xksKeyId, DestinationEncryptionContext: { app: 'y' } }));
    assert.equal(toXks.SourceKeyId, stdArn);
    const d = await h.kms.send(new DecryptCommand({ CiphertextBlob: toXks.CiphertextBlob, EncryptionContext: { app: 'y' }, KeyId: xksKeyId }));
    assert.equal(Buffer.from(d.Plaintext!).toString(), 'migrate me');
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: toXks.CiphertextBlob, EncryptionContext: { app: 'y' }, KeyId: stdKeyId })), 'IncorrectKeyException');
    const back = await h.kms.send(new ReEncryptCommand({ CiphertextBlob: toXks.CiphertextBlob, SourceEncryptionContext: { app: 'y' }, DestinationKeyId: stdArn }));
    assert.equal(Buffer.from((await h.kms.send(new DecryptCommand({ CiphertextBlob: back.CiphertextBlob }))).Plaintext!).toString(), 'migrate me');
  });

  it('aliases: name rules, alias/aws/ reserved, one alias -> one key, many per key, alias name and ARN as KeyId, ListAliases by key and paged', async () => {
    await rejectsWith(h.kms.send(new CreateAliasCommand({ AliasName: 'no-prefix', TargetKeyId: stdKeyId })), 'InvalidAliasNameException');
    await rejectsWith(h.kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/ebs', TargetKeyId: stdKeyId })), 'InvalidAliasNameException');
    await rejectsWith(h.kms.send(new CreateAliasCommand({ AliasName: 'alias/bad name', TargetKeyId: stdKeyId })), 'ValidationException');
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/app-a', TargetKeyId: stdKeyId }));
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/app-b', TargetKeyId: stdArn }));
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/xks', TargetKeyId: xksKeyId }));
    await rejectsWith(h.kms.send(new CreateAliasCommand({ AliasName: 'alias/app-a', TargetKeyId: xksKeyId })), 'AlreadyExistsException', 400);
    await rejectsWith(h.kms.send(new CreateAliasCommand({ AliasName: 'alias/app-c', TargetKeyId: 'alias/app-a' })), 'NotFoundException');
    const aliasArn = `arn:aws:kms:us-east-1:111122223333:alias/app-b`;
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: 'alias/app-a' }))).KeyMetadata?.KeyId, stdKeyId);
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: aliasArn }))).KeyMetadata?.KeyId, stdKeyId);
    const e = await h.kms.send(new EncryptCommand({ KeyId: 'alias/xks', Plaintext: Buffer.from('via alias') }));
    assert.equal((await h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, KeyId: 'alias/xks' }))).KeyId?.endsWith(xksKeyId), true);
    await rejectsWith(h.kms.send(new EnableKeyCommand({ KeyId: 'alias/app-a' })), 'NotFoundException');
    await rejectsWith(h.kms.send(new DescribeKeyCommand({ KeyId: 'alias/none' })), 'NotFoundException', 400);
    const ofStd = await h.kms.send(new ListAliasesCommand({ KeyId: stdKeyId }));
    assert.deepEqual(ofStd.Aliases?.map((a) => [a.AliasName, a.TargetKeyId, a.AliasArn]), [['alias/app-a', stdKeyId, 'arn:aws:kms:us-east-1:111122223333:alias/app-a'], ['alias/app-b', stdKeyId, aliasArn]]);
    const page1 = await h.kms.send(new ListAliasesCommand({ Limit: 2 }));
    assert.equal(page1.Truncated, true);
    const page2 = await h.kms.send(new ListAliasesCommand({ Limit: 2, Marker: page1.NextMarker }));
    assert.deepEqual([...page1.Aliases!, ...page2.Aliases!].map((a) => a.AliasName), ['alias/app-a', 'alias/app-b', 'alias/xks']);
    assert.equal(page2.Truncated, false);
    assert.equal(page2.NextMarker, undefined);
    await h.kms.send(new UpdateAliasCommand({ AliasName: 'alias/app-b', TargetKeyId: xksKeyId }));
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: 'alias/app-b' }))).KeyMetadata?.KeyId, xksKeyId);
    await h.kms.send(new DeleteAliasCommand({ AliasName: 'alias/app-b' }));
    await rejectsWith(h.kms.send(new DeleteAliasCommand({ AliasName: 'alias/app-b' })), 'NotFoundException');
    for (let i = 0; i < 49; i++) await h.kms.send(new CreateAliasCommand({ AliasName: `alias/many-${i}`, TargetKeyId: xksKeyId }));
    await rejectsWith(h.kms.send(new CreateAliasCommand({ AliasName: 'alias/one-too-many', TargetKeyId: xksKeyId })), 'LimitExceededException');
  });

  it('tags: --tags on create, TagResource/UntagResource/ListResourceTags, aws: reserved, 50 per key', async () => {
    assert.deepEqual((await h.kms.send(new ListResourceTagsCommand({ KeyId: stdKeyId }))).Tags, [{ TagKey: 'team', TagValue: 'kms' }]);
    await h.kms.send(new TagResourceCommand({ KeyId: stdArn, Tags: [{ TagKey: 'env', TagValue: 'dev' }, { TagKey: 'team', TagValue: 'xks' }] }));
    assert.deepEqual((await h.kms.send(new ListResourceTagsCommand({ KeyId: stdKeyId }))).Tags, [{ TagKey: 'env', TagValue: 'dev' }, { TagKey: 'team', TagValue: 'xks' }]);
    await h.kms.send(new UntagResourceCommand({ KeyId: stdKeyId, TagKeys: ['env'] }));
    assert.deepEqual((await h.kms.send(new ListResourceTagsCommand({ KeyId: stdKeyId }))).Tags, [{ TagKey: 'team', TagValue: 'xks' }]);
    await rejectsWith(h.kms.send(new TagResourceCommand({ KeyId: stdKeyId, Tags: [{ TagKey: 'aws:owner', TagValue: 'x' }] })), 'TagException');
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'AWS:x', TagValue: 'y' }] })), 'TagException');
    const many = Array.from({ length: 50 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' }));
    await rejectsWith(h.kms.send(new TagResourceCommand({ KeyId: stdKeyId, Tags: many })), 'LimitExceededException');
    const paged = await h.kms.send(new ListResourceTagsCommand({ KeyId: stdKeyId, Limit: 1 }));
    assert.equal(paged.Truncated, false);
  });

  it('key policies: default policy, notjson -> MalformedPolicyDocumentException, Put/Get round trip, 32 KB quota, ListKeyPolicies', async () => {
    const def = JSON.parse((await h.kms.send(new GetKeyPolicyCommand({ KeyId: stdKeyId, PolicyName: 'default' }))).Policy!) as { Statement: { Principal: { AWS: string } }[] };
    assert.equal(def.Statement[0]?.Principal.AWS, 'arn:aws:iam::111122223333:root');
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Policy: 'notjson' })), 'MalformedPolicyDocumentException');
    await rejectsWith(h.kms.send(new PutKeyPolicyCommand({ KeyId: stdKeyId, PolicyName: 'default', Policy: '{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}' })), 'MalformedPolicyDocumentException');
    const decryptOnly = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'x', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }] });
    // The lockout safety check: the caller could not change this policy afterwards.
    await rejectsWith(h.kms.send(new PutKeyPolicyCommand({ KeyId: stdKeyId, PolicyName: 'default', Policy: decryptOnly })), 'MalformedPolicyDocumentException');
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }, { Sid: 'x', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }] });
    await h.kms.send(new PutKeyPolicyCommand({ KeyId: stdKeyId, PolicyName: 'default', Policy: policy }));
    assert.equal((await h.kms.send(new GetKeyPolicyCommand({ KeyId: stdKeyId, PolicyName: 'default' }))).Policy, policy);
    const big = JSON.stringify({ Statement: [{ Sid: 'x'.repeat(33_000), Effect: 'Allow', Principal: '*', Action: '*' }] });
    await rejectsWith(h.kms.send(new PutKeyPolicyCommand({ KeyId: stdKeyId, PolicyName: 'default', Policy: big })), 'LimitExceededException');
    await rejectsWith(h.kms.send(new GetKeyPolicyCommand({ KeyId: stdKeyId, PolicyName: 'other' })), 'NotFoundException');
    assert.deepEqual((await h.kms.send(new ListKeyPoliciesCommand({ KeyId: stdKeyId }))).PolicyNames, ['default']);
  });

  it('grants: create (DryRun first), list, list retirable, retire by token, revoke; asymmetric operations refused', async () => {
    const grant = { KeyId: stdKeyId, GranteePrincipal: 'arn:aws:iam::111122223333:role/app', RetiringPrincipal: 'arn:aws:iam::111122223333:role/ops', Operations: ['Encrypt', 'Decrypt'] as ('Encrypt' | 'Decrypt')[] };
    await rejectsWith(h.kms.send(new CreateGrantCommand({ ...grant, DryRun: true })), 'DryRunOperationException', 412);
    assert.deepEqual((await h.kms.send(new ListGrantsCommand({ KeyId: stdKeyId }))).Grants, []);
    const g1 = await h.kms.send(new CreateGrantCommand({ ...grant, Name: 'first' }));
    assert.match(g1.GrantId ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(await h.kms.send(new CreateGrantCommand({ ...grant, Name: 'first' })).then((g) => g.GrantId), g1.GrantId, 'same name and parameters -> same grant');
    const g2 = await h.kms.send(new CreateGrantCommand({ ...grant, Constraints: { EncryptionContextSubset: { app: 'x' } } }));
    const listed = await h.kms.send(new ListGrantsCommand({ KeyId: stdKeyId }));
    assert.deepEqual(listed.Grants?.map((g) => [g.GrantId, g.KeyId, g.Name]), [[g1.GrantId, stdArn, 'first'], [g2.GrantId, stdArn, undefined]]);
    assert.equal((await h.kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: grant.RetiringPrincipal }))).Grants?.length, 2);
    await h.kms.send(new RetireGrantCommand({ GrantToken: g1.GrantToken }));
    await rejectsWith(h.kms.send(new RevokeGrantCommand({ KeyId: stdKeyId, GrantId: g2.GrantId, DryRun: true })), 'DryRunOperationException');
    await h.kms.send(new RevokeGrantCommand({ KeyId: stdKeyId, GrantId: g2.GrantId }));
    assert.deepEqual((await h.kms.send(new ListGrantsCommand({ KeyId: stdKeyId }))).Grants, []);
    await rejectsWith(h.kms.send(new RevokeGrantCommand({ KeyId: stdKeyId, GrantId: g2.GrantId })), 'InvalidGrantIdException');
    await rejectsWith(h.kms.send(new CreateGrantCommand({ ...grant, Operations: ['Sign'] })), 'ValidationException');
  });

  it('rotation: standard keys rotate (old ciphertext still decrypts); XKS keys -> UnsupportedOperationException', async () => {
    const old = await h.kms.send(new EncryptCommand({ KeyId: stdKeyId, Plaintext: Buffer.from('before rotation') }));
    assert.equal((await h.kms.send(new GetKeyRotationStatusCommand({ KeyId: stdKeyId }))).KeyRotationEnabled, false);
    await rejectsWith(h.kms.send(new EnableKeyRotationCommand({ KeyId: stdKeyId, RotationPeriodInDays: 30 })), 'ValidationException');
    await h.kms.send(new EnableKeyRotationCommand({ KeyId: stdKeyId, RotationPeriodInDays: 90 }));
    const status = await h.kms.send(new GetKeyRotationStatusCommand({ KeyId: stdKeyId }));
    assert.equal(status.KeyRotationEnabled, true);
    assert.equal(status.RotationPeriodInDays, 90);
    assert.ok(status.NextRotationDate instanceof Date);
    const before = (await h.kms.send(new DescribeKeyCommand({ KeyId: stdKeyId }))).KeyMetadata?.CurrentKeyMaterialId;
    await h.kms.send(new RotateKeyOnDemandCommand({ KeyId: stdKeyId }));
    const after = (await h.kms.send(new DescribeKeyCommand({ KeyId: stdKeyId }))).KeyMetadata?.CurrentKeyMaterialId;
    assert.notEqual(after, before);
    const rotations = await h.kms.send(new ListKeyRotationsCommand({ KeyId: stdKeyId }));
    assert.deepEqual(rotations.Rotations?.map((r) => [r.RotationType, r.KeyMaterialId]), [['ON_DEMAND', after]]);
    assert.equal(Buffer.from((await h.kms.send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob }))).Plaintext!).toString(), 'before rotation');
    await h.kms.send(new DisableKeyRotationCommand({ KeyId: stdKeyId }));
    assert.equal((await h.kms.send(new GetKeyRotationStatusCommand({ KeyId: stdKeyId }))).KeyRotationEnabled, false);
    for (const cmd of [new EnableKeyRotationCommand({ KeyId: xksKeyId }), new GetKeyRotationStatusCommand({ KeyId: xksKeyId }), new RotateKeyOnDemandCommand({ KeyId: xksKeyId })]) {
      await rejectsWith(h.kms.send(cmd as EnableKeyRotationCommand), 'UnsupportedOperationException');
    }
  });

  it('DryRun on Encrypt/GenerateDataKey of an XKS key -> 412, no proxy call; Decrypt/ReEncrypt validate the ciphertext (one proxy Decrypt) unless IGNORE_CIPHERTEXT', async () => {
    const e = await h.kms.send(new EncryptCommand({ KeyId: xksKeyId, Plaintext: Buffer.from('x') }));
    const before = fake.requests.length;
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: xksKeyId, Plaintext: Buffer.from('x'), DryRun: true })), 'DryRunOperationException', 412);
    await rejectsWith(h.kms.send(new GenerateDataKeyCommand({ KeyId: xksKeyId, KeySpec: 'AES_256', DryRun: true })), 'DryRunOperationException', 412);
    await rejectsWith(h.kms.send(new DecryptCommand({ KeyId: xksKeyId, DryRun: true, DryRunModifiers: ['IGNORE_CIPHERTEXT'] })), 'DryRunOperationException', 412);
    // DryRun still runs every check: an unknown key is NotFoundException, not DryRunOperationException.
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: 'alias/none', Plaintext: Buffer.from('x'), DryRun: true })), 'NotFoundException');
    assert.equal(fake.requests.length, before, 'no proxy call for these dry runs');
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, DryRun: true })), 'DryRunOperationException', 412);
    await rejectsWith(h.kms.send(new ReEncryptCommand({ CiphertextBlob: e.CiphertextBlob, DestinationKeyId: stdKeyId, DryRun: true })), 'DryRunOperationException', 412);
    assert.equal(fake.requests.length, before + 2, 'each ciphertext validated by one proxy Decrypt');
  });

  it('DryRun validates the ciphertext: a tampered blob or another encryption context -> InvalidCiphertextException; IGNORE_CIPHERTEXT skips it', async () => {
    const e = await h.kms.send(new EncryptCommand({ KeyId: stdKeyId, Plaintext: Buffer.from('secret'), EncryptionContext: { tenant: 'blue' } }));
    const tampered = Buffer.from(e.CiphertextBlob ?? new Uint8Array());
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: { tenant: 'blue' }, DryRun: true })), 'InvalidCiphertextException', 400);
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { tenant: 'red' }, DryRun: true })), 'InvalidCiphertextException', 400);
    await rejectsWith(h.kms.send(new ReEncryptCommand({ CiphertextBlob: tampered, SourceEncryptionContext: { tenant: 'blue' }, DestinationKeyId: stdKeyId, DryRun: true })), 'InvalidCiphertextException', 400);
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { tenant: 'blue' }, DryRun: true })), 'DryRunOperationException', 412);
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: tampered, KeyId: stdKeyId, DryRun: true, DryRunModifiers: ['IGNORE_CIPHERTEXT'] })), 'DryRunOperationException', 412);
  });

  it('Recipient refused; EncryptionContext over 8192 bytes -> ValidationException; GenerateRandom', async () => {
    const recipient = { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' as const, AttestationDocument: Buffer.from('doc') };
    await rejectsWith(h.kms.send(new GenerateDataKeyCommand({ KeyId: stdKeyId, KeySpec: 'AES_256', Recipient: recipient })), 'UnsupportedOperationException');
    const e = await h.kms.send(new EncryptCommand({ KeyId: stdKeyId, Plaintext: Buffer.from('x') }));
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, Recipient: recipient })), 'UnsupportedOperationException');
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: stdKeyId, Plaintext: Buffer.from('x'), EncryptionContext: { k: 'v'.repeat(8192) } })), 'ValidationException');
    await h.kms.send(new EncryptCommand({ KeyId: stdKeyId, Plaintext: Buffer.from('x'), EncryptionContext: { k: 'v'.repeat(8191) } }));
    assert.equal((await h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 48 }))).Plaintext?.length, 48);
    const stores = await h.kms.send(new DescribeCustomKeyStoresCommand({}));
    await rejectsWith(h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 8, CustomKeyStoreId: stores.CustomKeyStores?.[0]?.CustomKeyStoreId })), 'UnsupportedOperationException');
  });

  it('GenerateDataKeyPair on a standard key: a real key pair whose private key decrypts; XKS key -> UnsupportedOperationException', async () => {
    const p = await h.kms.send(new GenerateDataKeyPairCommand({ KeyId: stdKeyId, KeyPairSpec: 'ECC_NIST_P256' }));
    assert.equal(createPublicKey({ key: Buffer.from(p.PublicKey!), format: 'der', type: 'spki' }).asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.deepEqual((await h.kms.send(new DecryptCommand({ CiphertextBlob: p.PrivateKeyCiphertextBlob }))).Plaintext, p.PrivateKeyPlaintext);
    await rejectsWith(h.kms.send(new GenerateDataKeyPairCommand({ KeyId: xksKeyId, KeyPairSpec: 'ECC_NIST_P256' })), 'UnsupportedOperationException');
  });

  it('operations for other key types answer the AWS error; unknown keys still NotFoundException', async () => {
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: stdKeyId, Message: Buffer.from('m'), SigningAlgorithm: 'RSASSA_PSS_SHA_256' })), 'InvalidKeyUsageException');
    await rejectsWith(h.kms.send(new GenerateMacCommand({ KeyId: xksKeyId, Message: Buffer.from('m'), MacAlgorithm: 'HMAC_SHA_256' })), 'InvalidKeyUsageException');
    await rejectsWith(h.kms.send(new GetPublicKeyCommand({ KeyId: stdKeyId })), 'UnsupportedOperationException');
    await rejectsWith(h.kms.send(new ImportKeyMaterialCommand({ KeyId: stdKeyId, ImportToken: Buffer.from('t'), EncryptedKeyMaterial: Buffer.from('m') })), 'UnsupportedOperationException');
    await rejectsWith(h.kms.send(new SignCommand({ KeyId: '11111111-2222-3333-4444-555555555555', Message: Buffer.from('m'), SigningAlgorithm: 'RSASSA_PSS_SHA_256' })), 'NotFoundException');
    await rejectsWith(h.kms.send(new GetKeyLastUsageCommand({ KeyId: stdKeyId })), 'UnsupportedOperationException');
  });

  it('DescribeKey pending deletion: DeletionDate, never PendingDeletionWindowInDays; UpdateKeyDescription refused then', async () => {
    const k = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await h.kms.send(new UpdateKeyDescriptionCommand({ KeyId: k.KeyId, Description: 'renamed' }));
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata?.Description, 'renamed');
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 }));
    const m = (await h.kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!;
    assert.equal(m.KeyState, 'PendingDeletion');
    assert.ok(m.DeletionDate instanceof Date);
    assert.equal(m.PendingDeletionWindowInDays, undefined);
    assert.equal(m.Enabled, false);
    await rejectsWith(h.kms.send(new UpdateKeyDescriptionCommand({ KeyId: k.KeyId, Description: 'x' })), 'KMSInvalidStateException', 400);
  });
});
