/**
 * Callers have identities (`--identities`): the access key id that signed a request names a principal ARN; that
 * principal is the awsPrincipalArn the proxy receives; unknown keys are the default caller, or
 * UnrecognizedClientException in strict mode. Driven by @aws-sdk/client-kms and the AWS CLI v2 as two identities.
 */
import { ConnectCustomKeyStoreCommand, CreateCustomKeyStoreCommand, CreateKeyCommand, DescribeCustomKeyStoresCommand, EncryptCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseIdentities } from '../../../src/kms-emulator/access/identities.js';
import { runAwsCli } from '../../support/aws-cli.js';
import { FAKE_ACCESS_KEY_ID, FAKE_SECRET, startFakeXksProxy, type FakeXksProxy } from '../../support/fake-xks-proxy.js';
import { startHarness, waitFor, type Harness } from '../../support/kms-harness.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SDK_KEY = 'AKIASDKCALLER00001';
const CLI_KEY = 'AKIACLICALLER00002';
const SDK_ROLE = 'arn:aws:iam::111122223333:role/sdk-app';
const CLI_USER = 'arn:aws:iam::111122223333:user/cli-admin';
const doc = (strict: boolean) => ({ strict, identities: [{ accessKeyId: SDK_KEY, principalArn: SDK_ROLE }, { accessKeyId: CLI_KEY, principalArn: CLI_USER }] });

describe('identities: who is calling', { timeout: 120_000 }, () => {
  let fake: FakeXksProxy;
  let h: Harness;
  let sdk: KMSClient;
  let xksKeyId = '';

  before(async () => {
    fake = await startFakeXksProxy({ externalKeyIds: ['foo'] });
    h = await startHarness({ identities: parseIdentities(doc(false)) });
    sdk = new KMSClient({ endpoint: h.endpoint, region: 'us-east-1', credentials: { accessKeyId: SDK_KEY, secretAccessKey: SECRET }, maxAttempts: 1 });
    const s = await sdk.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'ids', CustomKeyStoreType: 'EXTERNAL_KEY_STORE', XksProxyConnectivity: 'PUBLIC_ENDPOINT', XksProxyUriEndpoint: `http://127.0.0.1:${fake.port}`, XksProxyUriPath: '/kms/xks/v1', XksProxyAuthenticationCredential: { AccessKeyId: FAKE_ACCESS_KEY_ID, RawSecretAccessKey: FAKE_SECRET } }));
    await sdk.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: s.CustomKeyStoreId }));
    await waitFor(() => sdk.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: s.CustomKeyStoreId })), (d) => d.CustomKeyStores?.[0]?.ConnectionState === 'CONNECTED');
    xksKeyId = (await sdk.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: s.CustomKeyStoreId, XksKeyId: 'foo' }))).KeyMetadata?.KeyId ?? '';
  });
  after(async () => {
    sdk.destroy();
    await h.close();
    await fake.close();
  });

  const lastPrincipal = (): unknown => (fake.requests.at(-1)?.body['requestMetadata'] as Record<string, unknown> | undefined)?.['awsPrincipalArn'];

  it('the SDK identity and the CLI identity each reach the proxy as their own awsPrincipalArn', async () => {
    await sdk.send(new EncryptCommand({ KeyId: xksKeyId, Plaintext: Buffer.from('x') }));
    assert.equal(lastPrincipal(), SDK_ROLE);
    const r = await runAwsCli(['kms', 'encrypt', '--key-id', xksKeyId, '--plaintext', 'eA=='], { endpoint: h.endpoint, accessKeyId: CLI_KEY, secretAccessKey: SECRET });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(lastPrincipal(), CLI_USER);
  });

  it('an access key not in the file is the default caller (not strict)', async () => {
    const r = await runAwsCli(['kms', 'encrypt', '--key-id', xksKeyId, '--plaintext', 'eA=='], { endpoint: h.endpoint, accessKeyId: 'AKIAUNKNOWN0000003', secretAccessKey: SECRET });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(lastPrincipal(), 'arn:aws:iam::111122223333:user/xks-rehearsal');
  });

  it('strict mode: an unknown access key -> UnrecognizedClientException (SDK and CLI); listed keys work', async () => {
    const strict = await startHarness({ identities: parseIdentities(doc(true)) });
    const known = new KMSClient({ endpoint: strict.endpoint, region: 'us-east-1', credentials: { accessKeyId: SDK_KEY, secretAccessKey: SECRET }, maxAttempts: 1 });
    try {
      await assert.rejects(strict.kms.send(new ListKeysCommand({})), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'UnrecognizedClientException');
        assert.equal(e.message, 'The security token included in the request is invalid.');
        assert.equal(e.$metadata?.httpStatusCode, 400);
        return true;
      });
      assert.deepEqual((await known.send(new ListKeysCommand({}))).Keys, []);
      const r = await runAwsCli(['kms', 'list-keys'], { endpoint: strict.endpoint, accessKeyId: 'AKIAUNKNOWN0000003', secretAccessKey: SECRET });
      assert.match(r.stderr, /An error occurred \(UnrecognizedClientException\) when calling the ListKeys operation: The security token included in the request is invalid\./);
      assert.equal((await runAwsCli(['kms', 'list-keys'], { endpoint: strict.endpoint, accessKeyId: CLI_KEY, secretAccessKey: SECRET })).status, 0);
    } finally {
      known.destroy();
      await strict.close();
    }
  });
});
