/** External keys (spec B10, B11) and double encryption through a fake proxy, driven by @aws-sdk/client-kms. */
import {
  CancelKeyDeletionCommand,
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteCustomKeyStoreCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisconnectCustomKeyStoreCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  ListKeysCommand,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FAKE_ACCESS_KEY_ID, FAKE_SECRET, startFakeXksProxy, type FakeXksProxy } from '../../support/fake-xks-proxy.js';
import { startHarness, waitFor, type Harness } from '../../support/kms-harness.js';

const enc = new TextEncoder();
const rejectsWith = (p: Promise<unknown>, name: string): Promise<void> => assert.rejects(p, (e: Error) => { assert.equal(e.name, name); return true; });

describe('external keys and crypto', () => {
  let h: Harness;
  let fake: FakeXksProxy;
  let storeId: string;
  let keyArn: string;

  before(async () => {
    fake = await startFakeXksProxy({ externalKeyIds: ['foo', 'bar', 'disabled', 'aes128', 'signonly'] });
    fake.keys.get('disabled')!.keyStatus = 'DISABLED';
    fake.keys.get('aes128')!.keySpec = 'AES_128';
    fake.keys.get('signonly')!.keyUsage = ['SIGN'];
    h = await startHarness();
    const out = await h.kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'crypto', CustomKeyStoreType: 'EXTERNAL_KEY_STORE', XksProxyConnectivity: 'PUBLIC_ENDPOINT', XksProxyUriEndpoint: `http://127.0.0.1:${fake.port}`, XksProxyUriPath: '/kms/xks/v1', XksProxyAuthenticationCredential: { AccessKeyId: FAKE_ACCESS_KEY_ID, RawSecretAccessKey: FAKE_SECRET } }));
    storeId = out.CustomKeyStoreId ?? '';
  });
  after(async () => {
    await h.close();
    await fake.close();
  });

  it('CreateKey: store DISCONNECTED -> CustomKeyStoreInvalidStateException', async () => {
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyId: 'foo' })), 'CustomKeyStoreInvalidStateException');
  });

  it('CreateKey: CONNECTED store -> Enabled key with the B10 metadata; GetKeyMetadata sent with kmsOperation CreateKey', async () => {
    await h.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
    await waitFor(() => h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: storeId })), (d) => d.CustomKeyStores?.[0]?.ConnectionState === 'CONNECTED');
    const out = await h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyId: 'foo', Description: 'rehearsal' }));
    const m = out.KeyMetadata!;
    keyArn = m.Arn!;
    assert.equal(m.KeyState, 'Enabled');
    assert.equal(m.Origin, 'EXTERNAL_KEY_STORE');
    assert.equal(m.CustomKeyStoreId, storeId);
    assert.deepEqual(m.XksKeyConfiguration, { Id: 'foo' });
    assert.equal(m.KeyManager, 'CUSTOMER');
    assert.equal(m.KeySpec, 'SYMMETRIC_DEFAULT');
    assert.deepEqual(m.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
    assert.equal(m.MultiRegion, false);
    assert.match(keyArn, /^arn:aws:kms:us-east-1:111122223333:key\/[0-9a-f-]{36}$/);
    const req = fake.requests.at(-1)!;
    assert.equal(req.path, '/kms/xks/v1/keys/foo/metadata');
    const meta = req.body['requestMetadata'] as Record<string, unknown>;
    assert.equal(meta['kmsOperation'], 'CreateKey');
    assert.equal(meta['awsPrincipalArn'], 'arn:aws:iam::111122223333:user/xks-rehearsal');
    assert.equal(typeof meta['kmsRequestId'], 'string');
  });

  it('CreateKey: checks of B10 -> XksKeyAlreadyInUse / XksKeyNotFound / XksKeyInvalidConfiguration / CustomKeyStoreNotFound', async () => {
    const create = (XksKeyId: string, CustomKeyStoreId = storeId) => h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId, XksKeyId }));
    await rejectsWith(create('foo'), 'XksKeyAlreadyInUseException');
    await rejectsWith(create('nope'), 'XksKeyNotFoundException');
    await rejectsWith(create('disabled'), 'XksKeyInvalidConfigurationException');
    await rejectsWith(create('aes128'), 'XksKeyInvalidConfigurationException');
    await rejectsWith(create('signonly'), 'XksKeyInvalidConfigurationException');
    await rejectsWith(create('foo', 'cks-00000000000000000'), 'CustomKeyStoreNotFoundException');
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId })), 'ValidationException');
  });

  it('CreateKey: proxy 403 -> CustomKeyStoreInvalidStateException; 501 -> UnsupportedOperationException (A11 choices)', async () => {
    fake.mode = { kind: 'status', status: 403, errorName: 'AccessDeniedException' };
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyId: 'bar' })), 'CustomKeyStoreInvalidStateException');
    fake.mode = { kind: 'status', status: 501, errorName: 'UnsupportedOperationException' };
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyId: 'bar' })), 'UnsupportedOperationException');
    fake.mode = { kind: 'normal' };
  });

  it('Encrypt/Decrypt: round trip with encryption context; the proxy never sees the plaintext; requestMetadata as KMS fills it', async () => {
    const plaintext = enc.encode('attack at dawn');
    const ctx = { project: 'nile', department: 'marketing' };
    const e = await h.kms.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext, EncryptionContext: ctx }));
    assert.equal(e.KeyId, keyArn);
    const encReq = fake.requests.at(-1)!;
    assert.equal(encReq.path, '/kms/xks/v1/keys/foo/encrypt');
    assert.equal(encReq.body['ciphertextDataIntegrityValueAlgorithm'], 'SHA_256');
    assert.ok(!Buffer.from(String(encReq.body['plaintext']), 'base64').includes(Buffer.from('attack')), 'double encryption: inner layer first');
    const meta = encReq.body['requestMetadata'] as Record<string, unknown>;
    assert.deepEqual({ op: meta['kmsOperation'], arn: meta['kmsKeyArn'] }, { op: 'Encrypt', arn: keyArn });
    const d = await h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { department: 'marketing', project: 'nile' } }));
    assert.equal(Buffer.from(d.Plaintext!).toString(), 'attack at dawn');
    assert.equal(d.KeyId, keyArn);
    assert.equal((fake.requests.at(-1)!.body['requestMetadata'] as Record<string, unknown>)['kmsOperation'], 'Decrypt');
    // Wrong encryption context: the proxy's GCM check fails -> A11 crypto row -> KMSInvalidStateException.
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { project: 'amazon' } })), 'KMSInvalidStateException');
    // Altered blob.
    const bad = Buffer.from(e.CiphertextBlob!);
    bad[0] = 9;
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: bad })), 'InvalidCiphertextException');
  });

  it('GenerateDataKey / WithoutPlaintext / ReEncrypt: kmsOperation per B11; data keys decrypt', async () => {
    const g = await h.kms.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256' }));
    assert.equal(g.Plaintext?.length, 32);
    assert.equal((fake.requests.at(-1)!.body['requestMetadata'] as Record<string, unknown>)['kmsOperation'], 'GenerateDataKey');
    const d = await h.kms.send(new DecryptCommand({ CiphertextBlob: g.CiphertextBlob }));
    assert.deepEqual(Buffer.from(d.Plaintext!), Buffer.from(g.Plaintext!));
    const w = await h.kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyArn, NumberOfBytes: 16 }));
    assert.equal('Plaintext' in w, false);
    assert.equal((fake.requests.at(-1)!.body['requestMetadata'] as Record<string, unknown>)['kmsOperation'], 'GenerateDataKeyWithoutPlaintext');
    const bar = await h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyId: 'bar' }));
    const r = await h.kms.send(new ReEncryptCommand({ CiphertextBlob: w.CiphertextBlob, DestinationKeyId: bar.KeyMetadata!.KeyId! }));
    assert.equal(r.SourceKeyId, keyArn);
    assert.equal(r.KeyId, bar.KeyMetadata!.Arn);
    const ops = fake.requests.slice(-2).map((q) => [q.path, (q.body['requestMetadata'] as Record<string, unknown>)['kmsOperation']]);
    assert.deepEqual(ops, [['/kms/xks/v1/keys/foo/decrypt', 'ReEncrypt'], ['/kms/xks/v1/keys/bar/encrypt', 'ReEncrypt']]);
    const back = await h.kms.send(new DecryptCommand({ CiphertextBlob: r.CiphertextBlob, KeyId: bar.KeyMetadata!.KeyId! }));
    assert.equal(back.Plaintext?.length, 16);
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: r.CiphertextBlob, KeyId: keyArn })), 'IncorrectKeyException');
  });

  // The slow proxy takes 3 s, 12x the 250 ms budget: the emulator gives a call back the time its own event loop was
  // late (bounded), so on a busy machine a proxy only 400 ms slow could still answer within the budget.
  it('crypto: proxy faults -> KMSInvalidStateException (A11), including wrong CDIV, a proxy 3 s slow and a corrupt proxy Decrypt output', async () => {
    const e = await h.kms.send(new EncryptCommand({ KeyId: keyArn, Plaintext: enc.encode('x') }));
    for (const mode of [{ kind: 'wrong-cdiv' }, { kind: 'status', status: 503, errorName: 'DependencyTimeoutException' }, { kind: 'slow', ms: 3000 }, { kind: 'bad-json' }] as const) {
      fake.mode = mode;
      await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: keyArn, Plaintext: enc.encode('x') })), 'KMSInvalidStateException');
    }
    fake.mode = { kind: 'corrupt-plaintext' };
    await rejectsWith(h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob })), 'KMSInvalidStateException');
    fake.mode = { kind: 'normal' };
  });

  it('key lifecycle: Disable -> DisabledException; Enable; ListKeys; ScheduleKeyDeletion/Cancel; kmsViaService absent by default', async () => {
    await h.kms.send(new DisableKeyCommand({ KeyId: keyArn }));
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: keyArn, Plaintext: enc.encode('x') })), 'DisabledException');
    await h.kms.send(new EnableKeyCommand({ KeyId: keyArn }));
    const list = await h.kms.send(new ListKeysCommand({}));
    assert.ok(list.Keys?.some((k) => k.KeyArn === keyArn));
    const s = await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: 7 }));
    assert.equal(s.KeyState, 'PendingDeletion');
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: keyArn, Plaintext: enc.encode('x') })), 'KMSInvalidStateException');
    await h.kms.send(new CancelKeyDeletionCommand({ KeyId: keyArn }));
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata?.KeyState, 'Disabled');
    await h.kms.send(new EnableKeyCommand({ KeyId: keyArn }));
    await rejectsWith(h.kms.send(new DescribeKeyCommand({ KeyId: 'arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000' })), 'NotFoundException');
  });

  it('disconnected store: keys are Unavailable, crypto -> KMSInvalidStateException, Delete with keys -> CustomKeyStoreHasCMKsException', async () => {
    await h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
    await waitFor(() => h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: storeId })), (d) => d.CustomKeyStores?.[0]?.ConnectionState === 'DISCONNECTED');
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata?.KeyState, 'Unavailable');
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: keyArn, Plaintext: enc.encode('x') })), 'KMSInvalidStateException');
    await rejectsWith(h.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: storeId })), 'CustomKeyStoreHasCMKsException');
  });
});
