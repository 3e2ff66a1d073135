/**
 * Why KMS said no: every key policy and grant decision is kept with what decided it, shown as JSON at
 * `/_emulator/access` and on the console's key page (statement numbers match the policy shown there). No
 * plaintext or encryption-context value appears in either.
 */
import { CreateGrantCommand, CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseIdentities } from '../../../src/kms-emulator/access/identities.js';
import { startHarness, type Harness } from '../../support/kms-harness.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const ADMIN = { key: 'AKIAADMINCALLER001', arn: 'arn:aws:iam::111122223333:role/key-admin' };
const APP = { key: 'AKIAAPPCALLER00002', arn: 'arn:aws:iam::111122223333:role/app' };

interface Decision { action: string; principalArn: string; allowed: boolean; explicitDeny: boolean; explanation: string; decidedBy: { kind: string }; requestId: string }

describe('explaining access decisions', { timeout: 60_000 }, () => {
  let h: Harness;
  let admin: KMSClient;
  let app: KMSClient;
  let keyId = '';

  before(async () => {
    h = await startHarness({ identities: parseIdentities({ identities: [ADMIN, APP].map((p) => ({ accessKeyId: p.key, principalArn: p.arn })) }) });
    const client = (key: string) => new KMSClient({ endpoint: h.endpoint, region: 'us-east-1', credentials: { accessKeyId: key, secretAccessKey: SECRET }, maxAttempts: 1 });
    admin = client(ADMIN.key);
    app = client(APP.key);
    const policy = JSON.stringify({
      Statement: [
        { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: ADMIN.arn }, Action: 'kms:*', Resource: '*' },
        { Sid: 'NoEncryptForApp', Effect: 'Deny', Principal: { AWS: APP.arn }, Action: 'kms:Encrypt', Resource: '*' },
      ],
    });
    keyId = (await admin.send(new CreateKeyCommand({ Policy: policy }))).KeyMetadata?.KeyId ?? '';
  });
  after(async () => {
    admin.destroy();
    app.destroy();
    await h.close();
  });

  it('/_emulator/access: the explicit deny, the default deny and the grant that allowed, newest first', async () => {
    await assert.rejects(app.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('top secret plaintext'), EncryptionContext: { tenant: 'hidden-context-value' } })), { name: 'AccessDeniedException' });
    const blob = (await admin.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('top secret plaintext') }))).CiphertextBlob;
    await assert.rejects(app.send(new DecryptCommand({ CiphertextBlob: blob })), { name: 'AccessDeniedException' });
    const grant = await admin.send(new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: APP.arn, Operations: ['Decrypt'] }));
    await app.send(new DecryptCommand({ CiphertextBlob: blob }));

    const res = await fetch(`${h.endpoint}/_emulator/access?keyId=${keyId}`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.doesNotMatch(text, /top secret plaintext|hidden-context-value|dG9wIHNlY3JldA/);
    const { decisions } = JSON.parse(text) as { decisions: Decision[] };
    const mine = decisions.filter((d) => d.principalArn === APP.arn);
    assert.deepEqual(
      mine.map((d) => [d.action, d.allowed, d.explanation]),
      [
        ['kms:Decrypt', true, `allowed by grant ${grant.GrantId}`],
        ['kms:Decrypt', false, 'denied: no key policy statement and no grant allows it (default deny)'],
        ['kms:Encrypt', false, 'explicit deny by key policy statement 2 (Sid NoEncryptForApp)'],
      ],
    );
    const logged = JSON.stringify(h.logLines);
    assert.match(logged, /"msg":"access decision"/, 'decisions are logged');
    assert.doesNotMatch(logged, /top secret plaintext|hidden-context-value|dG9wIHNlY3JldA/, 'never plaintext or context values in the log');
    const all = (await (await fetch(`${h.endpoint}/_emulator/access`)).json()) as { decisions: Decision[] };
    assert.ok(all.decisions.some((d) => d.action === 'kms:CreateKey' || d.action === 'kms:CreateGrant'));
  });

  it('console key page: the decisions, the numbered key policy statements and the grants', async () => {
    const res = await fetch(`${h.endpoint}/console/keys/${keyId}`);
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.match(page, /<table id="access-decisions">/);
    assert.match(page, /explicit deny by key policy statement 2 \(Sid NoEncryptForApp\)/);
    assert.match(page, /arn:aws:iam::111122223333:role\/app/);
    const statements = /<ol id="policy-statements">([\s\S]*?)<\/ol>/.exec(page)?.[1] ?? '';
    assert.equal((statements.match(/<li>/g) ?? []).length, 2);
    assert.match(statements.split('<li>')[2] ?? '', /NoEncryptForApp/, 'statement 2 is the one the decision names');
    assert.match(page, /<table id="key-grants">[\s\S]*Decrypt/);
    assert.doesNotMatch(page, /top secret plaintext|hidden-context-value/);
    assert.equal((await fetch(`${h.endpoint}/console/keys/1234abcd-12ab-34cd-56ef-1234567890ab`)).status, 404);
  });
});
