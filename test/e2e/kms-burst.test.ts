/**
 * 200 concurrent Encrypt calls through the emulator (`xks kms`) to the REAL proxy (`xks serve`), both as processes
 * on 127.0.0.1, from @aws-sdk/client-kms with 200 sockets: every call succeeds, none is attributed to the proxy
 * (proxyTimeouts 0 in the status view), the proxy logged each Encrypt, and the queue figures are printed. Before
 * the emulator kept a bounded queue and keep-alive connections, a burst of 130 failed 100 calls as proxy timeouts.
 */
import { ConnectCustomKeyStoreCommand, CreateKeyCommand, DecryptCommand, DescribeCustomKeyStoresCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ProxyConnectionStats } from '../../src/kms/xks-connection-pool.js';
import { createTempProxyDir, startProxyProcess, type ProxyProcess, type TempProxyDir } from '../helpers/proxy-process.js';
import { TEST_ACCESS_KEY_ID, TEST_SECRET, testKey } from '../helpers/test-app.js';
import { createPublicStore, waitFor } from '../kms/helpers/kms-harness.js';

const BURST = 200;
const CALLER = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('e2e: a burst of 200 concurrent Encrypt calls through the emulator to a real proxy', { timeout: 180_000 }, () => {
  let dir: TempProxyDir;
  let proxy: ProxyProcess;
  let emulator: ProxyProcess;
  let kms: KMSClient;
  const agent = new http.Agent({ keepAlive: true, maxSockets: BURST });
  const stateDir = mkdtempSync(join(tmpdir(), 'kms-burst-'));

  before(async () => {
    dir = createTempProxyDir({ keys: [testKey('key-1')], logLevel: 'info' });
    proxy = await startProxyProcess(['serve', '--config', dir.configPath]);
    emulator = await startProxyProcess(['kms', '--port', '0', '--state', join(stateDir, 'kms.sqlite'), '--allow-http-loopback', '--connecting-ms', '50', '--dns', 'static', '--log-level', 'info']);
    kms = new KMSClient({ endpoint: emulator.url, region: 'us-east-1', credentials: CALLER, maxAttempts: 1, requestHandler: { httpAgent: agent } });
  });
  after(async () => {
    kms.destroy();
    agent.destroy();
    await emulator.stop();
    await proxy.stop();
    dir.cleanup();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it(`${BURST} concurrent Encrypt calls: 0 failures, 0 attributed to the proxy; each decrypts`, async (t) => {
    const storeId = await createPublicStore(kms, { name: 'burst', uriEndpoint: proxy.url, uriPath: '/kms/xks/v1', accessKeyId: TEST_ACCESS_KEY_ID, secret: TEST_SECRET });
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
    await waitFor(() => kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: storeId })), (d) => d.CustomKeyStores?.[0]?.ConnectionState === 'CONNECTED', 20_000);
    const keyId = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyId: 'key-1' }))).KeyMetadata!.KeyId!;

    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: BURST }, (_, i) => kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(`burst ${i}`), EncryptionContext: { i: String(i) } }))));
    const wallMs = Date.now() - started;
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => `${(r.reason as Error).name}: ${(r.reason as Error).message}`);
    const status = (await (await fetch(`${emulator.url}/_emulator/status`)).json()) as { proxyConnections: ProxyConnectionStats[] };
    const stats = status.proxyConnections.find((p) => p.endpoint === proxy.url);
    assert.ok(stats, JSON.stringify(status.proxyConnections));
    const proxyLines = proxy.stdout().split('\n').filter((l) => l.includes('"kmsOperation":"Encrypt"')).map((l) => JSON.parse(l) as { durationMs?: number; status?: number });
    const proxyMax = Math.max(...proxyLines.map((l) => l.durationMs ?? 0));
    t.diagnostic(`burst of ${BURST}: ${wallMs} ms wall; emulator queue: max ${stats.maxQueued} waiting, wait max ${stats.queueWaitMsMax} ms / avg ${stats.queueWaitMsAvg} ms; ${stats.maxConnections} connections; lag events ${stats.emulatorLagEvents}; proxy logged ${proxyLines.length} Encrypt, slowest ${proxyMax.toFixed(1)} ms`);
    assert.deepEqual(failures, [], 'no Encrypt failed');
    assert.equal(stats.proxyTimeouts, 0, 'no call was reported as a proxy timeout');
    assert.equal(stats.emulatorRefusals, 0);
    assert.ok(proxyLines.length >= BURST, `the proxy logged ${proxyLines.length} Encrypt requests`);
    // Every ciphertext is real: a sample decrypts with its own context.
    for (const i of [0, 99, BURST - 1]) {
      const r = results[i];
      assert.ok(r?.status === 'fulfilled');
      const d = await kms.send(new DecryptCommand({ CiphertextBlob: r.value.CiphertextBlob, EncryptionContext: { i: String(i) } }));
      assert.equal(Buffer.from(d.Plaintext!).toString(), `burst ${i}`);
    }
  });
});
