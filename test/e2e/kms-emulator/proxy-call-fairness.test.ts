/**
 * Proxy-call timing that is fair to the proxy (issue 14): calls wait in the emulator's bounded queue for one of
 * `proxyMaxConnections` keep-alive connections; queue time never counts against the proxy's 250 ms; a full queue is
 * the emulator's ThrottlingException, never a proxy timeout; a busy emulator event loop does not turn into a
 * proxy timeout; the status view and log say when the emulator is the bottleneck. Fake proxy, @aws-sdk/client-kms.
 */
import { ConnectCustomKeyStoreCommand, CreateCustomKeyStoreCommand, CreateKeyCommand, DecryptCommand, DescribeCustomKeyStoresCommand, EncryptCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { ProxyConnectionStats } from '../../../src/xks-client/xks-connection-pool.js';
import { FAKE_ACCESS_KEY_ID, FAKE_SECRET, startFakeXksProxy, type FakeXksProxy } from '../../support/fake-xks-proxy.js';
import { startHarness, waitFor, type Harness } from '../../support/kms-harness.js';

describe('proxy calls: keep-alive connections, bounded queue, the budget is the proxy\'s', () => {
  let h: Harness;
  let fake: FakeXksProxy;
  let keyId: string;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  before(async () => {
    fake = await startFakeXksProxy({ externalKeyIds: ['foo'] });
    // A 1000 ms budget and a 600 ms proxy: robust on a loaded machine, and the last queued call still waits longer than the budget.
    h = await startHarness({ proxyMaxConnections: 2, proxyQueueLimit: 3, proxyTimeoutMs: 1000 });
    const s = await h.kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'fair', CustomKeyStoreType: 'EXTERNAL_KEY_STORE', XksProxyConnectivity: 'PUBLIC_ENDPOINT', XksProxyUriEndpoint: `http://127.0.0.1:${fake.port}`, XksProxyUriPath: '/kms/xks/v1', XksProxyAuthenticationCredential: { AccessKeyId: FAKE_ACCESS_KEY_ID, RawSecretAccessKey: FAKE_SECRET } }));
    await h.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: s.CustomKeyStoreId }));
    await waitFor(() => h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: s.CustomKeyStoreId })), (d) => d.CustomKeyStores?.[0]?.ConnectionState === 'CONNECTED');
    keyId = (await h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: s.CustomKeyStoreId, XksKeyId: 'foo' }))).KeyMetadata!.KeyId!;
  });
  after(async () => {
    agent.destroy();
    await h.close();
    await fake.close();
  });

  const proxyStats = async (): Promise<ProxyConnectionStats> => {
    const status = (await (await fetch(`${h.endpoint}/_emulator/status`)).json()) as { proxyConnections: ProxyConnectionStats[] };
    const s = status.proxyConnections.find((p) => p.endpoint === `http://127.0.0.1:${fake.port}`);
    assert.ok(s, JSON.stringify(status.proxyConnections));
    return s;
  };

  it('2 connections, queue of 3, proxy 600 ms per call, 1000 ms budget: queued calls succeed after waiting longer than the budget; the overflow is ThrottlingException; no proxy timeout', async () => {
    fake.mode = { kind: 'slow', ms: 600 };
    try {
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('queued') }))));
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as Error).name);
      // 2 on the wire + 3 queued when all 10 arrive at once; a call that finishes early frees a place for a late one.
      assert.ok(failures.length >= 1 && failures.length <= 5, `${failures.length} refused`);
      assert.deepEqual(failures, Array(failures.length).fill('ThrottlingException'), 'the emulator refused what did not fit its queue, and nothing else failed');
      const s = await proxyStats();
      assert.equal(s.proxyTimeouts, 0);
      assert.equal(s.emulatorRefusals, failures.length);
      assert.equal(s.maxConnections, 2);
      assert.ok(s.queueWaitMsMax >= 1000, `the last queued call waited ${s.queueWaitMsMax} ms (> the proxy budget) and still succeeded`);
      assert.equal(s.bottleneck, 'emulator');
      assert.ok(h.logLines.some((l) => l['msg'] === 'the KMS emulator is the bottleneck, not the proxy'), 'said so in the log');
      // The fake proxy never had more than 2 requests at once: the emulator's limit held.
      assert.ok(fake.requests.filter((r) => r.path.endsWith('/encrypt')).length >= 5);
    } finally {
      fake.mode = { kind: 'normal' };
    }
  });

  it('keep-alive: sequential calls reuse one connection to the proxy', async () => {
    const before = fake.connections();
    for (let i = 0; i < 5; i++) await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('again') }));
    assert.ok(fake.connections() - before <= 1, `${fake.connections() - before} new connections for 5 calls`);
  });

  it('a busy emulator event loop (1400 ms, over the 1000 ms budget) while the proxy takes 100 ms -> the call succeeds; the lag is counted as the emulator\'s', async () => {
    const { emulatorLagEvents: lagBefore, proxyTimeouts: timeoutsBefore } = await proxyStats();
    const e = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('lag') }));
    fake.mode = { kind: 'slow', ms: 100 };
    const pending = h.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }));
    // Block this process (the emulator runs in it) once the Decrypt reached the proxy.
    const sent = fake.requests.length;
    await waitFor(async () => fake.requests.length, (n) => n > sent, 5000);
    const until = Date.now() + 1400;
    while (Date.now() < until) {
      // busy: timers cannot fire, sockets are not read
    }
    fake.mode = { kind: 'normal' };
    assert.equal(Buffer.from((await pending).Plaintext!).toString(), 'lag');
    const s = await proxyStats();
    assert.equal(s.proxyTimeouts, timeoutsBefore);
    assert.ok(s.emulatorLagEvents > lagBefore, 'the late timer was recorded as the emulator\'s lag');
  });
});
