/**
 * The console's key-stores page shows each store's key custody (docs/console.md): Files, HSM (PKCS#11) with its token,
 * or not known yet, from the key manager report kept on the store record, which survives a restart of the emulator
 * (state file). The proxy-supplied text is escaped. createKmsApp through supertest.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import request from 'supertest';
import { createKmsApp } from '../../../src/kms-emulator/create-kms-app.js';
import { buildKmsEmulatorConfig } from '../../../src/kms-emulator/context/kms-config.js';
import type { CustomKeyStoreRecord, KeyManagerReport } from '../../../src/kms-emulator/store/records.js';
import { createKmsStateStore } from '../../../src/kms-emulator/store/kms-state-store.js';
import { createLogger } from '../../../src/logging/create-logger.js';

const HOST = '127.0.0.1:7800';
const AT = Date.UTC(2026, 11, 6, 7, 0);

function storeRecord(n: number, keyManager?: KeyManagerReport): CustomKeyStoreRecord {
  return {
    customKeyStoreId: `cks-${String(n).padStart(17, '0')}`,
    customKeyStoreName: `store-${n}`,
    connectivity: 'PUBLIC_ENDPOINT',
    uriEndpoint: `http://127.0.0.1:${n}`,
    uriPath: '/kms/xks/v1',
    accessKeyId: 'AKIAI2SFODNN7EXAMPLE',
    rawSecretAccessKey: 'FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE',
    vpcEndpointServiceName: undefined,
    vpcEndpointServiceOwner: undefined,
    connectionState: 'DISCONNECTED',
    connectionErrorCode: undefined,
    creationDate: AT + n,
    ...(keyManager !== undefined && { keyManager }),
  };
}

test('GET /console/key-stores -> a Key custody column: Files, HSM (PKCS#11) with the token (escaped), Not known yet; kept across a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-custody-'));
  const location = join(dir, 'state.db');
  try {
    const first = createKmsStateStore(location);
    first.putCustomKeyStore(storeRecord(1, { at: AT, xksProxyVendor: 'xks-proxy project', ekmVendor: 'xks-proxy project', ekmFleetDetails: [{ id: 'in-process-1', model: 'xks-proxy in-process AES-256-GCM key manager 0.1.0' }] }));
    first.putCustomKeyStore(storeRecord(2, { at: AT, xksProxyVendor: 'xks-proxy project', ekmVendor: 'xks-proxy project', ekmFleetDetails: [{ id: 'xks<script>alert(1)</script>', model: 'SoftHSM project SoftHSM v2' }] }));
    first.putCustomKeyStore(storeRecord(3));
    first.close();

    const store = createKmsStateStore(location);
    const kms = createKmsApp({ config: buildKmsEmulatorConfig({ allowHttpLoopback: true, dnsMode: 'static' }), store, logger: createLogger({ level: 'silent', service: 'kms-emulator' }), clock: () => Date.now(), randomBytes, randomUUID });
    try {
      const res = await request(kms.app).get('/console/key-stores').set('Host', HOST);
      assert.equal(res.status, 200);
      assert.match(res.text, /<th scope="col">Connection state<\/th><th scope="col">Key custody<\/th>/);
      const row = (n: number): string => new RegExp(`<tr data-id="cks-0*${n}"[\\s\\S]*?</tr>`).exec(res.text)?.[0] ?? '';
      assert.match(row(1), /<td class="custody-cell"><span class="custody" data-custody="files">Files<\/span>/);
      assert.match(row(2), /data-custody="hsm">HSM \(PKCS#11\)<\/span><br><small>SoftHSM project SoftHSM v2, token xks&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/small> <span class="hint">as of 2026-12-06 07:00:00 UTC<\/span>/);
      assert.ok(!res.text.includes('<script>alert(1)'), 'the token label is text, never markup');
      assert.match(row(3), /data-custody="unknown">Not known yet/);
      const fragment = await request(kms.app).get('/console/fragments/key-stores').set('Host', HOST);
      assert.equal(fragment.status, 200);
      assert.match(fragment.text, /data-custody="hsm"/, 'the polled rows carry the column too');
    } finally {
      kms.close();
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no key stores -> the empty row spans the eight columns', async () => {
  const store = createKmsStateStore(':memory:');
  const kms = createKmsApp({ config: buildKmsEmulatorConfig({ allowHttpLoopback: true, dnsMode: 'static' }), store, logger: createLogger({ level: 'silent', service: 'kms-emulator' }), clock: () => Date.now(), randomBytes, randomUUID });
  try {
    const res = await request(kms.app).get('/console/key-stores').set('Host', HOST);
    assert.match(res.text, /<td colspan="8" class="empty">No external key stores yet/);
    assert.equal((/<thead><tr>(.*?)<\/tr><\/thead>/.exec(res.text)?.[1] ?? '').match(/<th /g)?.length, 8);
  } finally {
    kms.close();
    store.close();
  }
});
