/**
 * Every exception the emulator can be made to answer, provoked through @aws-sdk/client-kms (and raw HTTP for the
 * protocol errors), with the HTTP status of the answer compared to the catalogue (KMS_EXCEPTION_STATUS) and to
 * the number KMS's API reference gives.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GetKeyLastUsageCommand,
  ListKeysCommand,
  PutKeyPolicyCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  TagResourceCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KMS_EXCEPTION_STATUS } from '../../../src/kms-emulator/wire/kms-exceptions.js';
import { startHarness, type Harness } from '../../support/kms-harness.js';

const AUTH = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240515/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + 'a'.repeat(64);
const ours: Readonly<Record<string, number>> = KMS_EXCEPTION_STATUS;

describe('exception status on the wire', () => {
  let h: Harness;
  let keyId = '';
  let disabledKeyId = '';
  let pendingKeyId = '';
  const seen = new Map<string, number>();

  before(async () => {
    h = await startHarness();
    keyId = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
    disabledKeyId = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
    await h.kms.send(new DisableKeyCommand({ KeyId: disabledKeyId }));
    pendingKeyId = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: pendingKeyId, PendingWindowInDays: 7 }));
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/taken', TargetKeyId: keyId }));
  });
  after(() => h.close());

  /** The SDK error's name and HTTP status, recorded; the status must be the catalogue's and `expected`. */
  async function provoke(p: Promise<unknown>, name: string, expected: number): Promise<void> {
    await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, name, e.message);
      assert.equal(e.$metadata?.httpStatusCode, expected, name);
      assert.equal(ours[name], expected, `${name} in the catalogue`);
      seen.set(name, expected);
      return true;
    });
  }

  it('API model exceptions: 400 for client errors (NotFound, Disabled, KMSInvalidState, AlreadyExists included), 412 DryRun', async () => {
    const k = h.kms;
    await provoke(k.send(new DescribeKeyCommand({ KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' })), 'NotFoundException', 400);
    await provoke(k.send(new EncryptCommand({ KeyId: disabledKeyId, Plaintext: Buffer.from('x') })), 'DisabledException', 400);
    await provoke(k.send(new UpdateKeyDescriptionCommand({ KeyId: pendingKeyId, Description: 'x' })), 'KMSInvalidStateException', 400);
    await provoke(k.send(new CreateAliasCommand({ AliasName: 'alias/taken', TargetKeyId: keyId })), 'AlreadyExistsException', 400);
    await provoke(k.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x'), DryRun: true })), 'DryRunOperationException', 412);
    await provoke(k.send(new CreateAliasCommand({ AliasName: 'alias/aws/mine', TargetKeyId: keyId })), 'InvalidAliasNameException', 400);
    await provoke(k.send(new DecryptCommand({ CiphertextBlob: Buffer.from('not a blob of this emulator') })), 'InvalidCiphertextException', 400);
    await provoke(k.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: 'not json' })), 'MalformedPolicyDocumentException', 400);
    await provoke(k.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'aws:x', TagValue: 'y' }] })), 'TagException', 400);
    await provoke(k.send(new RevokeGrantCommand({ KeyId: keyId, GrantId: 'a'.repeat(64) })), 'InvalidGrantIdException', 400);
    await provoke(k.send(new RetireGrantCommand({ GrantToken: 'not-a-token' })), 'InvalidGrantTokenException', 400);
    await provoke(k.send(new ListKeysCommand({ Marker: 'garbage' })), 'InvalidMarkerException', 400);
    await provoke(k.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: 'cks-1234567890abcdef0' })), 'CustomKeyStoreNotFoundException', 400);
    await provoke(k.send(new GetKeyLastUsageCommand({ KeyId: keyId })), 'UnsupportedOperationException', 400);
    await provoke(k.send(new SignCommand({ KeyId: keyId, Message: Buffer.from('m'), SigningAlgorithm: 'RSASSA_PSS_SHA_256' })), 'InvalidKeyUsageException', 400);
    await provoke(k.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*', Sid: 'x'.repeat(33_000) }] }) })), 'LimitExceededException', 400);
    await provoke(k.send(new EncryptCommand({ KeyId: keyId, Plaintext: undefined as unknown as Uint8Array })), 'ValidationException', 400);
  });

  it('awsJson1_1 common errors over raw HTTP: 403 MissingAuthenticationToken, 400 for the others', async () => {
    const post = (target: string, body: string, auth?: string) =>
      fetch(h.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, ...(auth !== undefined && { authorization: auth }) }, body });
    const cases: [string, string, string | undefined, string, number][] = [
      ['TrentService.ListKeys', '{}', undefined, 'MissingAuthenticationTokenException', 403],
      ['TrentService.ListKeys', '{}', 'Bearer x', 'IncompleteSignatureException', 400],
      ['TrentService.Frobnicate', '{}', AUTH, 'UnknownOperationException', 400],
      ['TrentService.ListKeys', '{nope', AUTH, 'SerializationException', 400],
      ['TrentService.ListKeys', '{}', AUTH.replace('/kms/', '/s3/'), 'InvalidSignatureException', 400],
    ];
    for (const [target, body, auth, type, status] of cases) {
      const res = await post(target, body, auth);
      const json = (await res.json()) as { __type?: string };
      assert.equal(json.__type, type);
      assert.equal(res.status, status, type);
      assert.equal(ours[type], status, `${type} in the catalogue`);
    }
  });
});
