/**
 * Grants decide (issue 25), with @aws-sdk/client-kms (the key's administrator) and the AWS CLI v2 (a reader role
 * the key policy does not name) as two identities: a grant lets the reader decrypt within its constraints; grant
 * tokens are checked (InvalidGrantTokenException); the retiring principal may retire it and another may not.
 */
import { CreateGrantCommand, CreateKeyCommand, EncryptCommand, KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseIdentities } from '../../../src/kms-emulator/access/identities.js';
import { runAwsCli } from '../../support/aws-cli.js';
import { startHarness, type Harness } from '../../support/kms-harness.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const ADMIN = { key: 'AKIAADMINCALLER001', arn: 'arn:aws:iam::111122223333:role/key-admin' };
const READER = { key: 'AKIAREADERCALLER02', arn: 'arn:aws:iam::111122223333:role/reader' };
const OTHER = { key: 'AKIAOTHERCALLER003', arn: 'arn:aws:iam::111122223333:user/other' };

describe('grants decide', { timeout: 180_000 }, () => {
  let h: Harness;
  let admin: KMSClient;
  let keyArn = '';
  let blue = '';
  let red = '';
  const cli = (args: string[], who = READER) => runAwsCli(['kms', ...args], { endpoint: h.endpoint, accessKeyId: who.key, secretAccessKey: SECRET });

  before(async () => {
    h = await startHarness({ identities: parseIdentities({ identities: [ADMIN, READER, OTHER].map((p) => ({ accessKeyId: p.key, principalArn: p.arn })) }) });
    admin = new KMSClient({ endpoint: h.endpoint, region: 'us-east-1', credentials: { accessKeyId: ADMIN.key, secretAccessKey: SECRET }, maxAttempts: 1 });
    const policy = JSON.stringify({ Statement: [{ Sid: 'Admin', Effect: 'Allow', Principal: { AWS: ADMIN.arn }, Action: 'kms:*', Resource: '*' }] });
    keyArn = (await admin.send(new CreateKeyCommand({ Policy: policy }))).KeyMetadata?.Arn ?? '';
    const enc = async (tenant: string) => Buffer.from((await admin.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from(`for ${tenant}`), EncryptionContext: { tenant } }))).CiphertextBlob ?? new Uint8Array()).toString('base64');
    blue = await enc('blue');
    red = await enc('red');
  });
  after(async () => {
    admin.destroy();
    await h.close();
  });

  it('the key policy alone does not let the reader decrypt; a grant does, within its EncryptionContextSubset', async () => {
    assert.match((await cli(['decrypt', '--ciphertext-blob', blue, '--encryption-context', 'tenant=blue'])).stderr, /AccessDeniedException.*User: arn:aws:iam::111122223333:role\/reader is not authorized to perform: kms:Decrypt .* because no resource-based policy allows the kms:Decrypt action/);
    const g = await admin.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: READER.arn, RetiringPrincipal: READER.arn, Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { tenant: 'blue' } }, Name: 'reader-blue' }));
    const ok = await cli(['decrypt', '--ciphertext-blob', blue, '--encryption-context', 'tenant=blue', '--grant-tokens', g.GrantToken ?? '']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(Buffer.from((JSON.parse(ok.stdout) as { Plaintext: string }).Plaintext, 'base64').toString(), 'for blue');
    assert.equal((await cli(['decrypt', '--ciphertext-blob', blue, '--encryption-context', 'tenant=blue'])).status, 0, 'the grant takes effect at once, token or not');
    assert.match((await cli(['decrypt', '--ciphertext-blob', red, '--encryption-context', 'tenant=red'])).stderr, /AccessDeniedException/, 'outside the constraint');
    assert.match((await cli(['encrypt', '--key-id', keyArn, '--plaintext', 'eA==', '--encryption-context', 'tenant=blue'])).stderr, /AccessDeniedException.*kms:Encrypt/, 'not a granted operation');
    const d = h.app.service.access.recent(keyArn.split('/')[1]).find((x) => x.action === 'kms:Decrypt' && x.allowed);
    assert.equal(d?.explanation, `allowed by grant ${g.GrantId} (reader-blue)`);
  });

  it('EncryptionContextEquals: the request context must be exactly the constraint', async () => {
    await admin.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: OTHER.arn, Operations: ['Decrypt'], Constraints: { EncryptionContextEquals: { tenant: 'red' } } }));
    assert.equal((await cli(['decrypt', '--ciphertext-blob', red, '--encryption-context', 'tenant=red'], OTHER)).status, 0);
    assert.match((await cli(['decrypt', '--ciphertext-blob', blue, '--encryption-context', 'tenant=blue'], OTHER)).stderr, /AccessDeniedException/);
  });

  it('grant tokens: an invalid token -> InvalidGrantTokenException', async () => {
    const r = await cli(['encrypt', '--key-id', keyArn, '--plaintext', 'eA==', '--grant-tokens', 'not-a-token'], ADMIN);
    assert.match(r.stderr, /An error occurred \(InvalidGrantTokenException\) when calling the Encrypt operation/);
  });

  it('retiring: another principal is refused; the retiring principal retires; then the reader is refused again and the token is invalid', async () => {
    const g = (await admin.send(new ListGrantsCommand({ KeyId: keyArn }))).Grants?.find((x) => x.Name === 'reader-blue');
    assert.ok(g?.GrantId);
    const token = (await admin.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: READER.arn, RetiringPrincipal: READER.arn, Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { tenant: 'blue' } }, Name: 'reader-blue' }))).GrantToken ?? '';
    assert.match((await cli(['retire-grant', '--grant-token', token], OTHER)).stderr, /AccessDeniedException.*kms:RetireGrant/);
    const retired = await cli(['retire-grant', '--grant-token', token]);
    assert.equal(retired.status, 0, retired.stderr);
    assert.match((await cli(['decrypt', '--ciphertext-blob', blue, '--encryption-context', 'tenant=blue'])).stderr, /AccessDeniedException/);
    assert.match((await cli(['decrypt', '--ciphertext-blob', blue, '--encryption-context', 'tenant=blue', '--grant-tokens', token])).stderr, /InvalidGrantTokenException/);
  });
});
