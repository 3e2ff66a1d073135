/**
 * A proxy's health answer that arrives after the emulator closed (its state store already closed) is dropped: the
 * probe neither touches the store nor rejects. Found by a full suite run on a busy machine: the answer to a probe in
 * flight at shutdown wrote the proxy's key-manager report into the closed database, and the rejection was unhandled.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createConnectionLifecycle } from '../../../../src/kms-emulator/custom-key-stores/custom-key-store-connection.js';
import { buildKmsEmulatorConfig } from '../../../../src/kms-emulator/context/kms-config.js';
import { createKmsStateStore } from '../../../../src/kms-emulator/store/kms-state-store.js';
import type { CustomKeyStoreRecord } from '../../../../src/kms-emulator/store/records.js';
import { createLogger } from '../../../../src/logging/create-logger.js';
import type { HealthStatusResponse, ProxyResult } from '../../../../src/xks-client/proxy-outcome.js';
import type { XksClient } from '../../../../src/xks-client/xks-client.js';

const RECORD: CustomKeyStoreRecord = {
  customKeyStoreId: 'cks-1234567890abcdef0',
  customKeyStoreName: 'store',
  connectivity: 'PUBLIC_ENDPOINT',
  uriEndpoint: 'http://127.0.0.1:9',
  uriPath: '/kms/xks/v1',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  rawSecretAccessKey: 'a'.repeat(43),
  vpcEndpointServiceName: undefined,
  vpcEndpointServiceOwner: undefined,
  connectionState: 'CONNECTED',
  connectionErrorCode: undefined,
  creationDate: 0,
};
const HEALTHY: ProxyResult<HealthStatusResponse> = {
  ok: true,
  value: { xksProxyFleetSize: 1, xksProxyVendor: 'v', xksProxyModel: 'm', ekmVendor: 'e', ekmFleetDetails: [{ id: 'hsm-1', model: 'SoftHSM', healthStatus: 'ACTIVE' }] },
};

test('a health answer after close: the probe resolves, the closed store is not touched', async () => {
  const store = createKmsStateStore(':memory:');
  store.putCustomKeyStore(RECORD);
  let answer: (r: ProxyResult<HealthStatusResponse>) => void = () => undefined;
  const xks: XksClient = {
    getHealthStatus: () => new Promise((resolve) => (answer = resolve)),
    getKeyMetadata: () => assert.fail('not called'),
    encrypt: () => assert.fail('not called'),
    decrypt: () => assert.fail('not called'),
  };
  const lifecycle = createConnectionLifecycle({
    config: buildKmsEmulatorConfig({ allowHttpLoopback: true, dnsMode: 'static' }),
    store,
    xks,
    clock: () => 0,
    randomBytes,
    randomUUID,
    logger: createLogger({ level: 'silent', service: 'kms-emulator' }),
  });
  const probe = lifecycle.probeHealth(RECORD, 'KmsHealthCheck', randomUUID());
  lifecycle.close();
  store.close();
  answer(HEALTHY);
  assert.equal(await probe, undefined);
});

test('a health answer before close: the key-manager report is kept on the record (the same path, open store)', async () => {
  const store = createKmsStateStore(':memory:');
  store.putCustomKeyStore(RECORD);
  const xks: XksClient = {
    getHealthStatus: () => Promise.resolve(HEALTHY),
    getKeyMetadata: () => assert.fail('not called'),
    encrypt: () => assert.fail('not called'),
    decrypt: () => assert.fail('not called'),
  };
  const lifecycle = createConnectionLifecycle({
    config: buildKmsEmulatorConfig({ allowHttpLoopback: true, dnsMode: 'static' }),
    store,
    xks,
    clock: () => 5,
    randomBytes,
    randomUUID,
    logger: createLogger({ level: 'silent', service: 'kms-emulator' }),
  });
  assert.equal(await lifecycle.probeHealth(RECORD, 'KmsHealthCheck', randomUUID()), undefined);
  assert.deepEqual(store.getCustomKeyStore(RECORD.customKeyStoreId)?.keyManager?.ekmFleetDetails, [{ id: 'hsm-1', model: 'SoftHSM' }]);
  lifecycle.close();
  store.close();
});
