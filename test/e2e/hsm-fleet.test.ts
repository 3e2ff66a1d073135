/**
 * docs/hsm.md "Fleet": `xks serve --workers 2` on one SoftHSM2 token. Each worker opens its own sessions and logs in
 * on its own; both report the token ACTIVE; a key pkcs11-tool adds while they run is served by every worker; `xks status`
 * shows each worker's token and sessions, and the fleet's sum.
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import type { ProxyStatus } from '../../src/proxy/admin/proxy-status.js';
import { createTempProxyDir, startProxyProcess } from '../support/proxy-process.js';
import { encryptBody, signedPost } from '../support/signed-post.js';
import { createSoftHsmToken, softHsmMissing } from '../support/softhsm.js';
import { runXks } from '../support/xks-child.js';

const missing = softHsmMissing();

test('workers on one token: every worker serves the token with its own sessions; a key added by pkcs11-tool is served by all', { skip: missing, timeout: 180_000 }, async () => {
  const token = createSoftHsmToken();
  token.keygen('fleet-key-1');
  const dir = createTempProxyDir({ keys: [], storeConfig: { keyDirectory: undefined, pkcs11: token.configBlock({ keyCacheMs: 200 }) } });
  const config = JSON.parse(readFileSync(dir.configPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(dir.configPath, JSON.stringify({ ...config, admin: { host: '127.0.0.1', port: 0 }, healthCheck: { slowMs: 60_000, intervalMs: 1000 } }));
  const proxy = await startProxyProcess(['serve', '--config', dir.configPath, '--workers', '2'], { env: token.env, timeoutMs: 60_000 });
  try {
    const adminUrl = /admin listener \(xks status\) on (\S+)/.exec(proxy.stderr())?.[1] ?? '';
    const status = async () => (await (await fetch(`${adminUrl}/status`, { signal: AbortSignal.timeout(10_000) })).json()) as ProxyStatus;
    let s = await status();
    // Up to 100 s (a hang guard): two workers each log in to the token and run a deep check; slow on a busy machine.
    for (let i = 0; i < 500 && !(s.workers?.every((w) => w.status?.keyStores[0]?.health === 'ACTIVE') ?? false); i++) {
      await new Promise((r) => setTimeout(r, 200));
      s = await status();
    }
    assert.equal(s.workers?.length, 2);
    for (const w of s.workers ?? []) {
      const store = w.status?.keyStores[0];
      assert.equal(store?.health, 'ACTIVE', JSON.stringify(w));
      assert.equal(store?.backend?.kind, 'pkcs11');
      assert.equal(store?.backend?.token, token.tokenLabel);
    }
    // Fresh connections spread over both workers; every one answers from the token.
    const send = async (keyId: string) => (await signedPost(proxy.url, `/kms/xks/v1/keys/${keyId}/encrypt`, encryptBody(), { agent: new Agent({ keepAlive: false }) })).status;
    const first = await Promise.all(Array.from({ length: 16 }, () => send('fleet-key-1')));
    assert.deepEqual(first, Array(16).fill(200));
    token.keygen('fleet-key-2');
    await new Promise((r) => setTimeout(r, 500)); // past keyCacheMs: a "not found" cached by either worker has expired
    const second = await Promise.all(Array.from({ length: 16 }, () => send('fleet-key-2')));
    assert.deepEqual(second, Array(16).fill(200));
    s = await status();
    for (const w of s.workers ?? []) assert.ok((w.status?.keyStores[0]?.backend?.sessionsOpen ?? 0) >= 1, `worker ${w.id} opened its own sessions`);
    // The fleet's view sums the workers' sessions; `xks status` shows each worker's token and pool, then the sum.
    const perWorker = (s.workers ?? []).map((w) => w.status?.keyStores[0]?.backend?.sessionsOpen ?? 0);
    assert.equal(s.keyStores[0]?.backend?.sessionsOpen, perWorker.reduce((a, b) => a + b, 0), JSON.stringify(s.keyStores[0]?.backend));
    const cli = await runXks(['status', '--url', adminUrl]);
    assert.equal(cli.code, 0, cli.stderr);
    const lines = cli.stdout.split('\n');
    for (const w of s.workers ?? []) {
      const at = lines.findIndex((l) => l.startsWith(`worker ${w.id} pid ${w.pid} `));
      assert.ok(at >= 0, cli.stdout);
      assert.match(lines[at + 1] ?? '', new RegExp(`^  key store e2e  health ACTIVE  HSM token "${token.tokenLabel}"`), cli.stdout);
      assert.match(lines[at + 2] ?? '', /^    PKCS#11 sessions \d+\/[1-9]\d* in use \(max 32, \d+ waiting\)/, cli.stdout);
    }
    assert.match(cli.stdout, /^  PKCS#11 sessions \d+\/\d+ in use \(max 64,/m, 'the fleet line: two workers of 32 sessions each');
  } finally {
    await proxy.stop();
    dir.cleanup();
    token.cleanup();
  }
});
