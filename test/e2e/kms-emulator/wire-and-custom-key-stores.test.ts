/** Wire protocol (B7), validation and uniqueness (B2, B3), Describe shape (B9), paging, and log hygiene. */
import { CreateCustomKeyStoreCommand, DeleteCustomKeyStoreCommand, DescribeCustomKeyStoresCommand, UpdateCustomKeyStoreCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OUTCOME_MAPPING, OUTCOME_ROWS } from '../../../src/kms-emulator/custom-key-stores/proxy-outcome-mapping.js';
import { XKS_CONNECTION_ERROR_CODES } from '../../../src/kms-emulator/store/records.js';
import { FAKE_ACCESS_KEY_ID, FAKE_SECRET, startFakeXksProxy, type FakeXksProxy } from '../../support/fake-xks-proxy.js';
import { startHarness, type Harness } from '../../support/kms-harness.js';

const AUTH = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240515/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + 'a'.repeat(64);

describe('wire protocol and custom key store rules', () => {
  let h: Harness;
  let fake: FakeXksProxy;
  const input = (name: string, path = '/kms/xks/v1') => ({
    CustomKeyStoreName: name,
    CustomKeyStoreType: 'EXTERNAL_KEY_STORE' as const,
    XksProxyConnectivity: 'PUBLIC_ENDPOINT' as const,
    XksProxyUriEndpoint: `http://127.0.0.1:${fake.port}`,
    XksProxyUriPath: path,
    XksProxyAuthenticationCredential: { AccessKeyId: FAKE_ACCESS_KEY_ID, RawSecretAccessKey: FAKE_SECRET },
  });
  before(async () => {
    fake = await startFakeXksProxy();
    h = await startHarness({ maxCustomKeyStores: 3 });
  });
  after(async () => {
    await h.close();
    await fake.close();
  });

  const post = (target: string | undefined, body: string, auth: string | undefined = AUTH) =>
    fetch(h.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', ...(target && { 'x-amz-target': target }), ...(auth && { authorization: auth }) }, body });

  it('wire: errors are {"__type","message"} with the B8 status; unsigned, unknown target, bad JSON', async () => {
    const cases: [string | undefined, string, string | undefined, number, string][] = [
      ['TrentService.DescribeCustomKeyStores', '{}', '', 403, 'MissingAuthenticationTokenException'],
      ['TrentService.DescribeCustomKeyStores', '{}', 'Bearer x', 400, 'IncompleteSignatureException'],
      [undefined, '{}', AUTH, 400, 'UnknownOperationException'],
      ['TrentService.FrobnicateKey', '{}', AUTH, 400, 'UnknownOperationException'],
      ['TrentService.CreateAlias', '{}', AUTH, 400, 'ValidationException'],
      ['TrentService.DescribeCustomKeyStores', '{nope', AUTH, 400, 'SerializationException'],
      ['TrentService.ConnectCustomKeyStore', '{"CustomKeyStoreId":"cks-1"}', AUTH, 400, 'CustomKeyStoreNotFoundException'],
      ['TrentService.DescribeKey', '{"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab"}', AUTH, 400, 'NotFoundException'],
    ];
    for (const [target, body, auth, status, type] of cases) {
      const res = await post(target, body, auth);
      assert.equal(res.status, status, `${target} ${body}`);
      const json = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(json).sort(), ['__type', 'message']);
      assert.equal(json['__type'], type);
    }
    const empty = await post('TrentService.DescribeCustomKeyStores', '');
    assert.equal(empty.status, 200);
    assert.equal(empty.headers.get('content-type'), 'application/x-amz-json-1.1; charset=utf-8');
    assert.deepEqual(await empty.json(), { CustomKeyStores: [], Truncated: false });
  });

  it('create: KMS patterns and lengths -> ValidationException; CLOUDHSM -> UnsupportedOperationException', async () => {
    const bad: Record<string, unknown>[] = [
      { XksProxyUriEndpoint: 'https://proxy.example.com:443' },
      { XksProxyUriEndpoint: 'http://proxy.example.com' },
      { XksProxyUriPath: '/kms/xks/v1/' },
      { XksProxyUriPath: '/a b/kms/xks/v1' },
      { XksProxyAuthenticationCredential: { AccessKeyId: 'AKIA0000000000000000', RawSecretAccessKey: FAKE_SECRET } },
      { XksProxyAuthenticationCredential: { AccessKeyId: FAKE_ACCESS_KEY_ID, RawSecretAccessKey: 'short' } },
      { CustomKeyStoreName: '' },
      { XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE', XksProxyVpcEndpointServiceName: 'not-a-service-name-at-all' },
    ];
    for (const patch of bad) {
      await assert.rejects(h.kms.send(new CreateCustomKeyStoreCommand({ ...input('v'), ...patch } as never)), (e: Error) => e.name === 'ValidationException', JSON.stringify(patch));
    }
    const secretEcho = await h.kms.send(new CreateCustomKeyStoreCommand({ ...input('v'), XksProxyAuthenticationCredential: { AccessKeyId: FAKE_ACCESS_KEY_ID, RawSecretAccessKey: `${FAKE_SECRET}!` } })).catch((e: Error) => e);
    assert.ok(secretEcho instanceof Error && !secretEcho.message.includes(FAKE_SECRET), 'validation messages never echo the secret');
    await assert.rejects(h.kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'hsm', CloudHsmClusterId: 'cluster-1234567', TrustAnchorCertificate: 'x', KeyStorePassword: 'password' })), (e: Error) => e.name === 'UnsupportedOperationException');
  });

  it('create: uniqueness and the store limit (B3); Describe shape (B9) with paging; update; delete', async () => {
    const a = (await h.kms.send(new CreateCustomKeyStoreCommand(input('a')))).CustomKeyStoreId!;
    await assert.rejects(h.kms.send(new CreateCustomKeyStoreCommand(input('a', '/x/kms/xks/v1'))), (e: Error) => e.name === 'CustomKeyStoreNameInUseException');
    await assert.rejects(h.kms.send(new CreateCustomKeyStoreCommand(input('b'))), (e: Error) => e.name === 'XksProxyUriInUseException');
    fake.uriPath = '/x/kms/xks/v1';
    const b = (await h.kms.send(new CreateCustomKeyStoreCommand(input('b', '/x/kms/xks/v1')))).CustomKeyStoreId!;
    fake.uriPath = '/y/kms/xks/v1';
    await h.kms.send(new CreateCustomKeyStoreCommand(input('c', '/y/kms/xks/v1')));
    await assert.rejects(h.kms.send(new CreateCustomKeyStoreCommand(input('d', '/z/kms/xks/v1'))), (e: Error) => e.name === 'LimitExceededException');
    const page1 = await h.kms.send(new DescribeCustomKeyStoresCommand({ Limit: 2 }));
    assert.equal(page1.Truncated, true);
    assert.deepEqual(page1.CustomKeyStores?.map((s) => s.CustomKeyStoreName), ['a', 'b']);
    const page2 = await h.kms.send(new DescribeCustomKeyStoresCommand({ Limit: 2, Marker: page1.NextMarker }));
    assert.equal(page2.Truncated, false);
    assert.equal(page2.NextMarker, undefined);
    await assert.rejects(h.kms.send(new DescribeCustomKeyStoresCommand({ Marker: 'bogus' })), (e: Error) => e.name === 'InvalidMarkerException');
    const raw = await (await post('TrentService.DescribeCustomKeyStores', JSON.stringify({ CustomKeyStoreName: 'a' }))).json() as { CustomKeyStores: Record<string, unknown>[] };
    const entry = raw.CustomKeyStores[0]!;
    assert.deepEqual(Object.keys(entry), ['CustomKeyStoreId', 'CustomKeyStoreName', 'CustomKeyStoreType', 'ConnectionState', 'CreationDate', 'XksProxyConfiguration']);
    assert.equal(typeof entry['CreationDate'], 'number');
    assert.deepEqual(Object.keys(entry['XksProxyConfiguration'] as object), ['Connectivity', 'AccessKeyId', 'UriEndpoint', 'UriPath']);
    assert.ok(!JSON.stringify(raw).includes(FAKE_SECRET));
    // Update: rename (no probe), then a path the proxy does not serve -> XksProxyInvalidConfigurationException.
    await h.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: a, NewCustomKeyStoreName: 'a2' }));
    await assert.rejects(h.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: a, XksProxyUriPath: '/nope/kms/xks/v1' })), (e: Error) => e.name === 'XksProxyInvalidConfigurationException');
    await assert.rejects(h.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: a, NewCustomKeyStoreName: 'c' })), (e: Error) => e.name === 'CustomKeyStoreNameInUseException');
    await h.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: b }));
    await assert.rejects(h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: b })), (e: Error) => e.name === 'CustomKeyStoreNotFoundException');
  });

  it('mapping table: every row maps to a B6 code; every XKS ConnectionErrorCode is reachable', () => {
    const codes = new Set(OUTCOME_ROWS.map((r) => OUTCOME_MAPPING[r].connectionErrorCode));
    for (const c of XKS_CONNECTION_ERROR_CODES) assert.ok(codes.has(c), c);
  });

  it('log: no secret, no plaintext, no key material in any log line', () => {
    const text = JSON.stringify(h.logLines);
    assert.ok(h.logLines.length > 5);
    assert.ok(!text.includes(FAKE_SECRET));
    assert.ok(!/"(rawSecretAccessKey|keyMaterial|Plaintext|plaintext)":"[^[]/.test(text));
  });
});
