/**
 * Issue 21, finding 5: the console's keys page reads every page of ListKeys (Truncated / NextMarker). With 10,000
 * keys before it, a store's external key is on its own store's page and in Try it's key list. The emulator app
 * (createKmsApp) through supertest; the keys are written through the state store (10,000 CreateKey calls would
 * only make the test slow), the page is read through the console as a user does.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createKmsApp, type KmsApp } from '../../../src/kms-emulator/create-kms-app.js';
import { buildKmsEmulatorConfig } from '../../../src/kms-emulator/context/kms-config.js';
import { buildDefaultKeyPolicy, type KmsKeyRecord } from '../../../src/kms-emulator/store/records.js';
import { createKmsStateStore, type KmsStateStore } from '../../../src/kms-emulator/store/kms-state-store.js';
import { createLogger } from '../../../src/logging/create-logger.js';

const KEYS_BEFORE = 10_000;
const STORE_ID = 'cks-1234567890abcdef0';
const HOST = '127.0.0.1:7800';

function keyRecord(accountId: string, created: number, xks?: { customKeyStoreId: string; xksKeyId: string }): KmsKeyRecord {
  const keyId = randomUUID();
  return {
    keyId,
    arn: `arn:aws:kms:us-east-1:${accountId}:key/${keyId}`,
    origin: xks === undefined ? 'AWS_KMS' : 'EXTERNAL_KEY_STORE',
    customKeyStoreId: xks?.customKeyStoreId,
    xksKeyId: xks?.xksKeyId,
    description: '',
    keyState: 'Enabled',
    creationDate: created,
    deletionDate: undefined,
    pendingWindowInDays: undefined,
    materials: [{ version: 0, id: randomBytes(32).toString('hex'), createdAt: created, rotationType: undefined, material: randomBytes(32) }],
    policy: buildDefaultKeyPolicy(accountId),
    tags: [],
    rotation: { enabled: false, periodInDays: undefined, nextRotationDate: undefined },
  };
}

describe('console keys page: every page of ListKeys', { timeout: 300_000 }, () => {
  let store: KmsStateStore;
  let kms: KmsApp;
  let external: KmsKeyRecord;
  before(() => {
    store = createKmsStateStore(':memory:');
    const config = buildKmsEmulatorConfig({ allowHttpLoopback: true, dnsMode: 'static' });
    kms = createKmsApp({ config, store, logger: createLogger({ level: 'silent', service: 'kms-emulator' }), clock: () => Date.now(), randomBytes, randomUUID });
    const t0 = Date.now() - 3_600_000;
    store.putCustomKeyStore({
      customKeyStoreId: STORE_ID,
      customKeyStoreName: 'far-store',
      connectivity: 'PUBLIC_ENDPOINT',
      uriEndpoint: 'http://127.0.0.1:1',
      uriPath: '/kms/xks/v1',
      accessKeyId: 'AKIAI2SFODNN7EXAMPLE',
      rawSecretAccessKey: 'FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE',
      vpcEndpointServiceName: undefined,
      vpcEndpointServiceOwner: undefined,
      connectionState: 'CONNECTED',
      connectionErrorCode: undefined,
      creationDate: t0,
    });
    for (let i = 0; i < KEYS_BEFORE; i++) store.putKey(keyRecord(config.accountId, t0 + i));
    // Created last: ListKeys lists in creation order, so this key is on page 11 of Limit 1000.
    external = keyRecord(config.accountId, t0 + KEYS_BEFORE, { customKeyStoreId: STORE_ID, xksKeyId: 'far-key' });
    store.putKey(external);
  });
  after(() => {
    kms.close();
    store.close();
  });

  it(`ListKeys Limit 1000 with ${KEYS_BEFORE + 1} keys is truncated (the page alone cannot show the key)`, async () => {
    const r = await kms.invoke('ListKeys', { Limit: 1000 });
    assert.ok(r.ok);
    assert.equal(r.response['Truncated'], true);
    assert.ok(!(r.response['Keys'] as { KeyId: string }[]).some((k) => k.KeyId === external.keyId));
  });

  it('GET /console/keys?store=<id> -> the external key after 10,000 others is listed and Try it can pick it', async () => {
    const res = await request(kms.app).get(`/console/keys?store=${STORE_ID}`).set('Host', HOST);
    assert.equal(res.status, 200);
    assert.match(res.text, new RegExp(`<tr data-key-id="${external.keyId}" data-state="Enabled">`));
    assert.match(res.text, new RegExp(`<option value="${external.keyId}">far-key - ${external.keyId}</option>`));
    assert.match(res.text, /KMS keys in external key stores \(1\)/);
  });
});
