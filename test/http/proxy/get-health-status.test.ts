import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildRuntime } from '../../../src/proxy/http/proxy-runtime.js';
import { createMemoryKeyStore, type KeyStore } from '../../../src/proxy/keystore/key-store.js';
import { EKM_HEALTH_STATUSES } from '../../../src/xks/wire-types.js';
import { createTestApp, DEFAULT_TEST_KEYS, signedRequest, testConfig } from '../../support/test-app.js';
import request from 'supertest';
import { assertOk, assertXksError, HEALTH } from '../../support/http-assertions.js';

const healthBody = (kmsOperation = 'KmsHealthCheck') => ({
  requestMetadata: { kmsRequestId: '4112f4d6-db54-4af4-ae30-c55a22a8dfae', kmsOperation },
});

/** An app whose key store reports the given load state (spec A7 healthStatus comes from keyStoreHealth). */
function appWithKeyStore(keys: KeyStore) {
  const config = testConfig();
  const runtime = buildRuntime(config, () => keys);
  return createTestApp({ deps: { runtime: () => runtime } });
}

function assertHealthShape(body: Record<string, unknown>): { healthStatus: string }[] {
  // spec A7 / C42-C45: every field present and typed.
  assert.deepEqual(Object.keys(body).sort(), ['ekmFleetDetails', 'ekmVendor', 'xksProxyFleetSize', 'xksProxyModel', 'xksProxyVendor']);
  assert.ok(Number.isInteger(body.xksProxyFleetSize), 'xksProxyFleetSize is an integer');
  assert.ok((body.xksProxyFleetSize as number) > 0, 'xksProxyFleetSize > 0');
  for (const field of ['xksProxyVendor', 'xksProxyModel', 'ekmVendor'] as const) {
    assert.equal(typeof body[field], 'string', field);
    assert.ok((body[field] as string).length > 0, `${field} is not empty`);
  }
  const details = body.ekmFleetDetails;
  assert.ok(Array.isArray(details), 'ekmFleetDetails is an array');
  assert.ok(details.length >= 1 && details.length <= 10, `ekmFleetDetails has ${details.length} entries`);
  for (const d of details as Record<string, unknown>[]) {
    assert.deepEqual(Object.keys(d).sort(), ['healthStatus', 'id', 'model']);
    assert.equal(typeof d.id, 'string');
    assert.equal(typeof d.model, 'string');
    assert.ok((EKM_HEALTH_STATUSES as readonly unknown[]).includes(d.healthStatus), `healthStatus ${String(d.healthStatus)}`);
  }
  return details as { healthStatus: string }[];
}

test('health: KmsHealthCheck -> 200 with every spec A7 field present and typed, ACTIVE', async () => {
  const t = createTestApp();
  const body = assertOk(await signedRequest(t.app, HEALTH, healthBody()));
  const details = assertHealthShape(body);
  assert.deepEqual(
    details.map((d) => d.healthStatus),
    details.map(() => 'ACTIVE'),
  );
});

test('health: the configured fleet identity is what is reported -> 200', async () => {
  const ekmFleetDetails = [
    { id: 'hsm-id-1', model: 'Luna 5.0' },
    { id: 'hsm-id-2', model: 'Luna 5.1' },
  ];
  const t = createTestApp({
    rawConfig: { health: { xksProxyVendor: 'Acme Corp', xksProxyModel: 'Acme XKS Proxy 1.0', ekmVendor: 'Thales Group', xksProxyFleetSize: 2, ekmFleetDetails } },
  });
  const body = assertOk(await signedRequest(t.app, HEALTH, healthBody()));
  assertHealthShape(body);
  assert.deepEqual(body, {
    xksProxyFleetSize: 2,
    xksProxyVendor: 'Acme Corp',
    xksProxyModel: 'Acme XKS Proxy 1.0',
    ekmVendor: 'Thales Group',
    ekmFleetDetails: ekmFleetDetails.map((d) => ({ ...d, healthStatus: 'ACTIVE' })),
  });
});

test('health: unknown kmsOperation -> 200 (spec C12)', async () => {
  const t = createTestApp();
  assertHealthShape(assertOk(await signedRequest(t.app, HEALTH, healthBody('SomeFutureKmsOperation'))));
});

// spec A7 / A10 note: both fields are REQUIRED; AWS's tooling and reference proxy answer ValidationException.
for (const [condition, body] of [
  ['body without requestMetadata', {}],
  ['requestMetadata null', { requestMetadata: null }],
  ['requestMetadata of the wrong type (string)', { requestMetadata: 'x' }],
  ['requestMetadata an array', { requestMetadata: [] }],
  ['empty requestMetadata {}', { requestMetadata: {} }],
  ['requestMetadata without kmsRequestId', { requestMetadata: { kmsOperation: 'KmsHealthCheck' } }],
  ['requestMetadata without kmsOperation', { requestMetadata: { kmsRequestId: 'r-1' } }],
  ['kmsRequestId not a string', { requestMetadata: { kmsRequestId: 7, kmsOperation: 'KmsHealthCheck' } }],
  ['JSON array body', []],
  ['non-JSON body', 'this is not json{'],
  ['empty body', ''],
] as const) {
  test(`health: ${condition} -> 400 ValidationException`, async () => {
    const t = createTestApp();
    assertXksError(await signedRequest(t.app, HEALTH, body), 400, 'ValidationException');
  });
}

test('health: non-JSON Content-Type -> 400 ValidationException (as for every API)', async () => {
  const t = createTestApp();
  assertXksError(await signedRequest(t.app, HEALTH, healthBody(), { contentType: 'text/plain' }), 400, 'ValidationException');
});

test('health: unknown extra fields in the body and in requestMetadata -> 200 (spec A3)', async () => {
  const t = createTestApp();
  const body = { requestMetadata: { ...healthBody().requestMetadata, SourceIdentity: 'x', somethingNew: { a: 1 } }, extra: true };
  assertHealthShape(assertOk(await signedRequest(t.app, HEALTH, body)));
});

test('health: empty requestMetadata and an unknown access key id -> 401 first (authentication before validation)', async () => {
  const t = createTestApp();
  assertXksError(await signedRequest(t.app, HEALTH, { requestMetadata: {} }, { accessKeyId: 'AKIAUNKNOWNUNKNOWN22' }), 401, 'AuthenticationFailedException');
});

test('health: empty requestMetadata and a wrong secret -> 401 first (signature before validation)', async () => {
  const t = createTestApp();
  const res = await signedRequest(t.app, HEALTH, { requestMetadata: {} }, { secret: 'WRONGWRONGWRONGWRONGWRONGWRONGWRONGWRONGWRO' });
  assertXksError(res, 401, 'AuthenticationFailedException');
});

test('health: empty requestMetadata without any signature -> 401 first', async () => {
  const t = createTestApp();
  const res = await request(t.app).post(HEALTH).set('Content-Type', 'application/json').send('{"requestMetadata":{}}');
  assertXksError(res, 401, 'AuthenticationFailedException');
});

test('health: key store unavailable -> 200 with every ekmFleetDetails entry UNAVAILABLE', async () => {
  const t = appWithKeyStore(createMemoryKeyStore([], { available: false }));
  const details = assertHealthShape(assertOk(await signedRequest(t.app, HEALTH, healthBody())));
  assert.deepEqual(
    details.map((d) => d.healthStatus),
    details.map(() => 'UNAVAILABLE'),
  );
});

test('health: key files that failed to load -> 200 with DEGRADED', async () => {
  const t = appWithKeyStore(createMemoryKeyStore(DEFAULT_TEST_KEYS, { problems: [{ file: 'broken.json', message: 'not JSON' }] }));
  const details = assertHealthShape(assertOk(await signedRequest(t.app, HEALTH, healthBody())));
  assert.deepEqual(
    details.map((d) => d.healthStatus),
    details.map(() => 'DEGRADED'),
  );
});

test('health: an injected ekmHealth probe decides healthStatus -> 200 DEGRADED', async () => {
  const t = createTestApp({ deps: { ekmHealth: () => 'DEGRADED' } });
  const details = assertHealthShape(assertOk(await signedRequest(t.app, HEALTH, healthBody())));
  assert.ok(details.every((d) => d.healthStatus === 'DEGRADED'));
});
