/**
 * The emulator against a proxy as strict as AWS's XKS test tooling (spec A7, A9, A10 note, A11): its health
 * probes always carry kmsRequestId and kmsOperation, its Encrypt never asks an ENCRYPT-only key for a CDIV, and a
 * proxy's InvalidKeyUsageException on a crypto call becomes KMSInvalidStateException. Driven by @aws-sdk/client-kms.
 */
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DescribeCustomKeyStoresCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FAKE_ACCESS_KEY_ID, FAKE_SECRET, startFakeXksProxy, type FakeXksProxy, type RecordedRequest } from '../../support/fake-xks-proxy.js';
import { startHarness, waitFor, type Harness } from '../../support/kms-harness.js';

const rejectsWith = (p: Promise<unknown>, name: string, message?: RegExp): Promise<void> =>
  assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name, e.message);
    if (message !== undefined) assert.match(e.message, message);
    return true;
  });

function healthRequests(fake: FakeXksProxy): RecordedRequest[] {
  return fake.requests.filter((r) => r.path === '/kms/xks/v1/health');
}

describe('emulator vs a strict proxy (spec A7, A9, A11)', () => {
  let h: Harness;
  let fake: FakeXksProxy;
  let storeId: string;

  before(async () => {
    fake = await startFakeXksProxy({ externalKeyIds: ['both', 'encrypt-only', 'later-encrypt-only'] });
    fake.keys.get('encrypt-only')!.keyUsage = ['ENCRYPT'];
    // A short period so the periodic KmsHealthCheck runs a few times within the test.
    h = await startHarness({ healthCheckIntervalMs: 40 });
    const out = await h.kms.send(
      new CreateCustomKeyStoreCommand({
        CustomKeyStoreName: 'conformance',
        CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
        XksProxyConnectivity: 'PUBLIC_ENDPOINT',
        XksProxyUriEndpoint: `http://127.0.0.1:${fake.port}`,
        XksProxyUriPath: '/kms/xks/v1',
        XksProxyAuthenticationCredential: { AccessKeyId: FAKE_ACCESS_KEY_ID, RawSecretAccessKey: FAKE_SECRET },
      }),
    );
    storeId = out.CustomKeyStoreId ?? '';
    await h.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
    await waitFor(() => h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: storeId })), (d) => d.CustomKeyStores?.[0]?.ConnectionState === 'CONNECTED');
  });
  after(async () => {
    await h.close();
    await fake.close();
  });

  it('health probes (Create, Connect, periodic KmsHealthCheck) always send kmsRequestId and kmsOperation -> the proxy answers 200', async () => {
    await waitFor(
      async () => healthRequests(fake).filter((r) => (r.body['requestMetadata'] as Record<string, unknown>)['kmsOperation'] === 'KmsHealthCheck').length,
      (n) => n >= 2,
    );
    const probes = healthRequests(fake);
    const operations = new Set<unknown>();
    for (const probe of probes) {
      const metadata = probe.body['requestMetadata'] as Record<string, unknown>;
      assert.deepEqual(Object.keys(metadata).sort(), ['kmsOperation', 'kmsRequestId']);
      assert.equal(typeof metadata['kmsRequestId'], 'string');
      assert.ok((metadata['kmsRequestId'] as string).length > 0);
      operations.add(metadata['kmsOperation']);
      if (probe.status !== 0) assert.equal(probe.status, 200, `probe ${String(metadata['kmsOperation'])} answered ${probe.status}`);
    }
    for (const op of ['CreateCustomKeyStore', 'ConnectCustomKeyStore', 'KmsHealthCheck']) assert.ok(operations.has(op), `a ${op} probe was sent`);
    const ids = probes.map((p) => (p.body['requestMetadata'] as Record<string, unknown>)['kmsRequestId']);
    assert.equal(new Set(ids).size, ids.length, 'a fresh kmsRequestId per probe');
  });

  it('CreateKey on an ENCRYPT-only external key -> XksKeyInvalidConfigurationException; no Encrypt ever reaches the proxy for it', async () => {
    await rejectsWith(h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyId: 'encrypt-only' })), 'XksKeyInvalidConfigurationException');
    assert.equal(fake.requests.filter((r) => r.path === '/kms/xks/v1/keys/encrypt-only/encrypt').length, 0);
  });

  it('proxy answers InvalidKeyUsageException to Encrypt / GenerateDataKey -> KMSInvalidStateException (A11 crypto row)', async () => {
    // The key manager's admin removes DECRYPT after the KMS key was created: KMS's CDIV request now fails at the proxy.
    const created = await h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyId: 'later-encrypt-only' }));
    const keyId = created.KeyMetadata!.KeyId!;
    fake.keys.get('later-encrypt-only')!.keyUsage = ['ENCRYPT'];
    await rejectsWith(h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: new TextEncoder().encode('x') })), 'KMSInvalidStateException', /does not support/);
    // The periodic probe keeps running: take the last request to this key's encrypt path.
    const lastEncrypt = (): RecordedRequest | undefined => fake.requests.filter((r) => r.path === '/kms/xks/v1/keys/later-encrypt-only/encrypt').at(-1);
    const encrypt = lastEncrypt();
    assert.ok(encrypt !== undefined, 'the Encrypt reached the proxy');
    assert.equal(encrypt.body['ciphertextDataIntegrityValueAlgorithm'], 'SHA_256');
    assert.equal(encrypt.status, 400, 'the proxy refused with InvalidKeyUsageException');
    const before = fake.requests.length;
    await rejectsWith(h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' })), 'KMSInvalidStateException');
    const generate = lastEncrypt();
    assert.ok(generate !== undefined && fake.requests.indexOf(generate) >= before, 'GenerateDataKey reached the proxy');
    assert.equal(generate.status, 400);
    // Control: the same key with both usages again encrypts.
    fake.keys.get('later-encrypt-only')!.keyUsage = ['ENCRYPT', 'DECRYPT'];
    await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: new TextEncoder().encode('x') }));
  });
});
