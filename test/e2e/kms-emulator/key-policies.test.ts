/**
 * Key policies decide (issue 25), with the AWS CLI v2 and @aws-sdk/client-kms as two identities of one
 * identities file: a Deny on Encrypt refuses one and not the other; an encryption-context condition allows only
 * matching requests; the caller's IAM policy decides behind an account statement; the lockout safety check on
 * CreateKey and PutKeyPolicy; principals that cannot exist; AccessDeniedException with KMS's message shapes.
 */
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient, ListKeysCommand, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseIdentities } from '../../../src/kms-emulator/access/identities.js';
import { runAwsCli } from '../../support/aws-cli.js';
import { startHarness, type Harness } from '../../support/kms-harness.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SDK = { key: 'AKIASDKCALLER00001', arn: 'arn:aws:iam::111122223333:role/sdk-app' };
const CLI = { key: 'AKIACLICALLER00002', arn: 'arn:aws:iam::111122223333:user/cli-admin' };
const LIMITED = { key: 'AKIALIMITEDCALLER3', arn: 'arn:aws:iam::111122223333:user/limited' };
const ROOT = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' };
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: [ROOT, ...statements] });

describe('key policies decide', { timeout: 180_000 }, () => {
  let h: Harness;
  let sdk: KMSClient;
  let limited: KMSClient;
  const cli = (args: string[], who = CLI) => runAwsCli(['kms', ...args], { endpoint: h.endpoint, accessKeyId: who.key, secretAccessKey: SECRET });
  const client = (who: { key: string }) => new KMSClient({ endpoint: h.endpoint, region: 'us-east-1', credentials: { accessKeyId: who.key, secretAccessKey: SECRET }, maxAttempts: 1 });
  const newKey = async (p?: string, bypass = false) => (await sdk.send(new CreateKeyCommand({ ...(p !== undefined && { Policy: p }), BypassPolicyLockoutSafetyCheck: bypass }))).KeyMetadata?.Arn ?? '';

  before(async () => {
    h = await startHarness({
      identities: parseIdentities({
        identities: [
          { accessKeyId: SDK.key, principalArn: SDK.arn },
          { accessKeyId: CLI.key, principalArn: CLI.arn },
          { accessKeyId: LIMITED.key, principalArn: LIMITED.arn, iamPolicy: { Statement: [{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:CreateKey', 'kms:ListKeys'], Resource: '*' }, { Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Resource: '*' }] } },
        ],
      }),
    });
    sdk = client(SDK);
    limited = client(LIMITED);
  });
  after(async () => {
    sdk.destroy();
    limited.destroy();
    await h.close();
  });

  it('a Deny statement on Encrypt refuses the CLI identity and not the SDK identity (explicit deny message)', async () => {
    const arn = await newKey(policy({ Sid: 'NoEncryptForCli', Effect: 'Deny', Principal: { AWS: CLI.arn }, Action: 'kms:Encrypt', Resource: '*' }));
    assert.ok((await sdk.send(new EncryptCommand({ KeyId: arn, Plaintext: Buffer.from('x') }))).CiphertextBlob);
    const r = await cli(['encrypt', '--key-id', arn, '--plaintext', 'eA==']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`An error occurred \\(AccessDeniedException\\) when calling the Encrypt operation: User: ${CLI.arn} is not authorized to perform: kms:Encrypt on resource: ${arn} with an explicit deny in a resource-based policy`));
    assert.equal((await cli(['describe-key', '--key-id', arn])).status, 0, 'only Encrypt is denied');
    const last = h.app.service.access.recent(arn.split('/')[1]).find((d) => d.action === 'kms:Encrypt' && !d.allowed);
    assert.equal(last?.explanation, 'explicit deny by key policy statement 2 (Sid NoEncryptForCli)');
  });

  it('a key policy without a statement for the caller: "because no resource-based policy allows" (HTTP 400)', async () => {
    const arn = await newKey(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: SDK.arn }, Action: 'kms:*', Resource: '*' }] }));
    await assert.rejects(client(CLI).send(new EncryptCommand({ KeyId: arn, Plaintext: Buffer.from('x') })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, 'AccessDeniedException');
      assert.equal(e.message, `User: ${CLI.arn} is not authorized to perform: kms:Encrypt on resource: ${arn} because no resource-based policy allows the kms:Encrypt action`);
      assert.equal(e.$metadata?.httpStatusCode, 400);
      return true;
    });
  });

  it('an encryption-context condition allows only matching requests', async () => {
    const arn = await newKey(
      JSON.stringify({
        Statement: [
          { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: SDK.arn }, Action: 'kms:*', Resource: '*' },
          { Sid: 'BlueTenantOnly', Effect: 'Allow', Principal: { AWS: CLI.arn }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'blue' } } },
        ],
      }),
    );
    const ok = await cli(['encrypt', '--key-id', arn, '--plaintext', 'eA==', '--encryption-context', 'tenant=blue']);
    assert.equal(ok.status, 0, ok.stderr);
    const blob = (JSON.parse(ok.stdout) as { CiphertextBlob: string }).CiphertextBlob;
    const red = await cli(['encrypt', '--key-id', arn, '--plaintext', 'eA==', '--encryption-context', 'tenant=red']);
    assert.match(red.stderr, /AccessDeniedException.*because no resource-based policy allows the kms:Encrypt action/);
    const none = await cli(['encrypt', '--key-id', arn, '--plaintext', 'eA==']);
    assert.match(none.stderr, /AccessDeniedException/);
    const dec = await cli(['decrypt', '--ciphertext-blob', blob, '--encryption-context', 'tenant=blue']);
    assert.equal(dec.status, 0, dec.stderr);
  });

  it('IAM decides behind the account statement: the caller IAM policy allows Encrypt, says nothing of Decrypt, denies ScheduleKeyDeletion', async () => {
    const arn = (await limited.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? '';
    const e = await limited.send(new EncryptCommand({ KeyId: arn, Plaintext: Buffer.from('x') }));
    await assert.rejects(limited.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob })), { name: 'AccessDeniedException', message: `User: ${LIMITED.arn} is not authorized to perform: kms:Decrypt on resource: ${arn} because no identity-based policy allows the kms:Decrypt action` });
    const r = await runAwsCli(['kms', 'schedule-key-deletion', '--key-id', arn], { endpoint: h.endpoint, accessKeyId: LIMITED.key, secretAccessKey: SECRET });
    assert.match(r.stderr, new RegExp(`User: ${LIMITED.arn} is not authorized to perform: kms:ScheduleKeyDeletion on resource: ${arn} with an explicit deny in an identity-based policy`));
    assert.ok((await sdk.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }))).Plaintext, 'the SDK identity (no IAM policy) may');
    await assert.rejects(limited.send(new PutKeyPolicyCommand({ KeyId: arn, Policy: policy() })), { name: 'AccessDeniedException' });
    assert.ok(Array.isArray((await limited.send(new ListKeysCommand({}))).Keys), 'an operation on no key: IAM alone allows');
  });

  it('lockout safety check: create-key with a deny-all policy -> MalformedPolicyDocumentException; bypassed, the key refuses everything', async () => {
    const denyAll = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' }] });
    const r = await cli(['create-key', '--policy', denyAll]);
    assert.match(r.stderr, /An error occurred \(MalformedPolicyDocumentException\) when calling the CreateKey operation: The new key policy will not allow you to update the key policy in the future\./);
    const ok = await cli(['create-key', '--policy', denyAll, '--bypass-policy-lockout-safety-check']);
    assert.equal(ok.status, 0, ok.stderr);
    const arn = (JSON.parse(ok.stdout) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn;
    assert.match((await cli(['encrypt', '--key-id', arn, '--plaintext', 'eA=='])).stderr, /AccessDeniedException.*kms:Encrypt.*with an explicit deny in a resource-based policy/);
    assert.match((await cli(['schedule-key-deletion', '--key-id', arn])).stderr, /AccessDeniedException.*kms:ScheduleKeyDeletion/);
    await assert.rejects(sdk.send(new EncryptCommand({ KeyId: arn, Plaintext: Buffer.from('x') })), { name: 'AccessDeniedException' });
  });

  it('put-key-policy: lockout check, and a principal that cannot exist -> MalformedPolicyDocumentException', async () => {
    const arn = await newKey();
    const lockout = await cli(['put-key-policy', '--key-id', arn, '--policy-name', 'default', '--policy', JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: SDK.arn }, Action: 'kms:*', Resource: '*' }] })]);
    assert.match(lockout.stderr, /MalformedPolicyDocumentException.*The new key policy will not allow you to update the key policy in the future\./);
    const nobody = await cli(['put-key-policy', '--key-id', arn, '--policy-name', 'default', '--policy', policy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:user/nobody' }, Action: 'kms:Decrypt', Resource: '*' })]);
    assert.match(nobody.stderr, /MalformedPolicyDocumentException.*Policy contains a statement with one or more invalid principals\./);
    const garbage = await cli(['put-key-policy', '--key-id', arn, '--policy-name', 'default', '--policy', policy({ Effect: 'Allow', Principal: { AWS: 'not-a-principal' }, Action: 'kms:Decrypt', Resource: '*' })]);
    assert.match(garbage.stderr, /MalformedPolicyDocumentException.*invalid principals/);
    const fine = await cli(['put-key-policy', '--key-id', arn, '--policy-name', 'default', '--policy', policy({ Effect: 'Allow', Principal: { AWS: [SDK.arn, 'arn:aws:iam::444455556666:role/elsewhere'] }, Action: 'kms:Decrypt', Resource: '*' })]);
    assert.equal(fine.status, 0, fine.stderr);
  });
});
