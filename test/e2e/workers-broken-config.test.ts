/**
 * Issue 21, finding 2: a fleet whose configuration is broken on disk can still replace its workers. `xks serve
 * --workers 2` with a secret file; then the configuration file is overwritten with `{ broken` and the secret file
 * removed (the primary rejects the reload and keeps serving), both workers are killed with SIGKILL, and the fleet
 * serves again: the replacements start from the primary's last good configuration (xks_workers back to 2, a
 * signed Encrypt answered). Before, a replacement re-read the file, exited 1 and was retried forever.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ProxyStatus } from '../../src/proxy/admin/proxy-status.js';
import { parseExposition, sample } from '../support/exposition.js';
import { freePort } from '../support/haproxy.js';
import { createTempProxyDir, startProxyProcess, type ProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { encryptBody, signedPost } from '../support/signed-post.js';
import { TEST_SECRET, testKey } from '../support/test-app.js';

let dir: TempProxyDir;
let proxy: ProxyProcess;
let adminUrl: string;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const status = async (): Promise<ProxyStatus> => (await (await fetch(`${adminUrl}/status`, { signal: AbortSignal.timeout(10_000) })).json()) as ProxyStatus;
const workersGauge = async (): Promise<number | undefined> => sample(parseExposition(await (await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text()), 'xks_workers', {});

before(async () => {
  dir = createTempProxyDir({ keys: [testKey('k1')] });
  const config = JSON.parse(readFileSync(dir.configPath, 'utf8')) as { keyStores: { credentials: Record<string, unknown>[] }[] } & Record<string, unknown>;
  writeFileSync(join(dir.dir, 'secret-access-key'), `${TEST_SECRET}\n`, { mode: 0o600 });
  for (const c of config.keyStores[0]?.credentials ?? []) {
    delete c.secretAccessKey;
    c.secretFile = 'secret-access-key';
  }
  config.admin = { host: '127.0.0.1', port: 0 };
  writeFileSync(dir.configPath, JSON.stringify(config));
  // A port known up front: when every worker of a fleet on port 0 dies, node:cluster closes the shared socket and
  // the replacements get another port (production configurations name their port).
  proxy = await startProxyProcess(['serve', '--config', dir.configPath, '--workers', '2', '--port', String(await freePort())], { timeoutMs: 60_000 });
  adminUrl = /admin listener \(xks status\) on (\S+)/.exec(proxy.stderr())?.[1] ?? '';
});
after(async () => {
  await proxy?.stop();
  dir?.cleanup();
});

test('workers: config file broken on disk and secret file gone, both workers SIGKILLed -> replaced from the last good configuration, fleet serves', async () => {
  assert.equal(await workersGauge(), 2);
  const rejected = () => proxy.stdout().split('\n').filter((l) => l.includes('configuration reload rejected')).length;
  const before = rejected();
  writeFileSync(dir.configPath, '{ broken');
  rmSync(join(dir.dir, 'secret-access-key'));
  proxy.child.kill('SIGHUP');
  await until('the rejected reload', async () => (rejected() > before ? true : undefined));
  const victims = (await status()).workers?.map((w) => w.pid) ?? [];
  assert.equal(victims.length, 2);
  for (const pid of victims) process.kill(pid, 'SIGKILL');
  const replaced = await until('two new workers, both answering', async () => {
    const s = await status();
    const pids = (s.workers ?? []).filter((w) => w.status !== undefined).map((w) => w.pid);
    return pids.length === 2 && pids.every((p) => !victims.includes(p)) ? pids : undefined;
  });
  assert.equal(replaced.length, 2);
  assert.equal(await workersGauge(), 2);
  const r = await signedPost(proxy.url, '/kms/xks/v1/keys/k1/encrypt', encryptBody('after the replacement'));
  assert.equal(r.status, 200, r.body);
  assert.doesNotMatch(proxy.stdout(), /worker could not start/);
});
