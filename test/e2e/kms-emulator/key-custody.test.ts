/**
 * The console's "Key custody" learned from the proxy (docs/console.md): connecting a store keeps what the proxy's
 * GetHealthStatus said about its key manager on the store record (state store), the key-stores page shows it, and
 * pointing the store at another proxy drops it. A fake XKS proxy on 127.0.0.1:0 (another vendor: "Fake").
 */
import assert from 'node:assert/strict';
import { DisconnectCustomKeyStoreCommand, UpdateCustomKeyStoreCommand, DescribeCustomKeyStoresCommand } from '@aws-sdk/client-kms';
import { test } from 'node:test';
import { FAKE_ACCESS_KEY_ID, FAKE_SECRET, startFakeXksProxy } from '../../support/fake-xks-proxy.js';
import { connectAndSettle, createPublicStore, startHarness, waitFor } from '../../support/kms-harness.js';

test('connect -> the proxy\'s key manager kept on the record and shown as Key custody; a new endpoint -> dropped', { timeout: 60_000 }, async () => {
  const h = await startHarness();
  const fake = await startFakeXksProxy();
  const other = await startFakeXksProxy();
  try {
    const id = await createPublicStore(h.kms, { name: 'fake', uriEndpoint: `http://127.0.0.1:${fake.port}`, uriPath: '/kms/xks/v1', accessKeyId: FAKE_ACCESS_KEY_ID, secret: FAKE_SECRET });
    const rowOf = async (): Promise<string> => {
      const res = await fetch(`${h.endpoint}/console/fragments/key-stores`);
      assert.equal(res.status, 200);
      return /<tr data-id="[^"]+"[\s\S]*?<\/tr>/.exec(await res.text())?.[0] ?? '';
    };
    assert.match(await rowOf(), /data-custody="unknown">Not known yet/, 'never connected: nothing learned');

    assert.equal((await connectAndSettle(h.kms, id)).state, 'CONNECTED');
    const learned = h.store.getCustomKeyStore(id)?.keyManager;
    assert.deepEqual(
      { xksProxyVendor: learned?.xksProxyVendor, ekmVendor: learned?.ekmVendor, fleet: learned?.ekmFleetDetails },
      { xksProxyVendor: 'Fake', ekmVendor: 'Fake', fleet: [{ id: 'ekm-1', model: 'soft' }, { id: 'ekm-2', model: 'soft' }] },
    );
    const row = await rowOf();
    assert.match(row, /data-custody="external">External key manager<\/span><br><small>Fake: soft \(ekm-1\); soft \(ekm-2\)<\/small>/);
    const describe = JSON.stringify(await h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id })));
    assert.ok(!describe.includes('ekm-1'), 'not part of the AWS API');

    await h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    await waitFor(() => h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id })), (d) => d.CustomKeyStores?.[0]?.ConnectionState === 'DISCONNECTED');
    await h.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, XksProxyUriEndpoint: `http://127.0.0.1:${other.port}` }));
    assert.equal(h.store.getCustomKeyStore(id)?.keyManager, undefined, 'another proxy: what the first one said no longer holds');
    assert.match(await rowOf(), /data-custody="unknown"/);
  } finally {
    await h.close();
    await fake.close();
    await other.close();
  }
});
