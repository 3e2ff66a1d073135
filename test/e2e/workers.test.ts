import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import aws4 from 'aws4';
import type { ProxyStatus } from '../../src/proxy/admin/proxy-status.js';
import { formatStatus } from '../../src/cli/status-command.js';
import { keyFileName, serializeKeyFile } from '../../src/proxy/keystore/key-file.js';
import { parseExposition, sample } from '../support/exposition.js';
import { createTempProxyDir, startProxyProcess, type ProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { encryptBody, requestMetadata, signedPost } from '../support/signed-post.js';
import { TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET, testKey } from '../support/test-app.js';
import { pollUntil } from '../support/poll-until.js';

/**
 * `xks serve --workers 2` as a real process tree: a primary and two workers sharing one port. Status, metrics,
 * quotas, key directory changes, worker restart, reload (one report) and graceful stop, each observed from outside.
 */
const QUOTA_ID = 'AKIAQUOTATESTSTORE22';
const QUOTA_BURST = 10;
let dir: TempProxyDir;
let proxy: ProxyProcess;
let adminUrl: string;

const status = async (): Promise<ProxyStatus> => (await (await fetch(`${adminUrl}/status`, { signal: AbortSignal.timeout(10_000) })).json()) as ProxyStatus;
const logLines = () =>
  proxy
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
/** New connection per request, so node:cluster's round robin spreads them over both workers. */
const fresh = () => new Agent({ keepAlive: false });

before(async () => {
  dir = createTempProxyDir({ keys: [testKey('k1')] });
  const config = JSON.parse(readFileSync(dir.configPath, 'utf8')) as { keyStores: Record<string, unknown>[] } & Record<string, unknown>;
  const store = config.keyStores[0] ?? {};
  config.admin = { host: '127.0.0.1', port: 0 };
  // A loaded machine must not turn a slow health round trip into DEGRADED.
  config.healthCheck = { slowMs: 60_000 };
  config.keyStores = [
    store,
    { ...store, name: 'quota', uriPrefix: '/quota', credentials: [{ accessKeyId: QUOTA_ID, secretAccessKey: TEST_SECRET }], quota: { requestsPerSecond: 0.001, burst: QUOTA_BURST } },
  ];
  writeFileSync(dir.configPath, JSON.stringify(config));
  proxy = await startProxyProcess(['serve', '--config', dir.configPath, '--workers', '2'], { timeoutMs: 60_000 });
  adminUrl = /admin listener \(xks status\) on (\S+)/.exec(proxy.stderr())?.[1] ?? '';
  assert.match(proxy.stderr(), /fleet of 2 workers/);
});
after(async () => {
  await proxy?.stop();
  dir?.cleanup();
});

test('workers: status reports every worker with its own key store health; xks status prints them', async () => {
  const s = await status();
  assert.equal(s.workers?.length, 2);
  const pids = new Set(s.workers?.map((w) => w.pid));
  assert.equal(pids.size, 2);
  assert.ok(!pids.has(proxy.child.pid ?? -1), 'workers are not the primary');
  assert.equal(s.pid, proxy.child.pid, 'the pid to signal is the primary\'s');
  for (const w of s.workers ?? []) assert.equal(w.status?.keyStores.find((k) => k.name === 'e2e')?.health, 'ACTIVE', JSON.stringify(w));
  const text = formatStatus(s);
  for (const w of s.workers ?? []) assert.match(text, new RegExp(`worker ${w.id} pid ${w.pid} `));
});

test('workers: requests spread over both workers; /metrics sums them (requests, histogram, workers)', async () => {
  // The kernel spreads connections over the workers (SCHED_NONE) unevenly: send batches of 8 parallel connections
  // until both workers have served (bounded).
  const agent = fresh();
  let sent = 0;
  const served = () => new Set(logLines().filter((l) => l.msg === 'xks request' && l.operation === 'Encrypt').map((l) => l.worker));
  while (sent < 160 && served().size < 2) {
    const batch = await Promise.all(Array.from({ length: 8 }, (_, i) => signedPost(proxy.url, '/kms/xks/v1/keys/k1/encrypt', encryptBody(`w-${sent + i}`), { agent })));
    for (const r of batch) assert.equal(r.status, 200, r.body);
    sent += batch.length;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(served().size, 2, 'both workers served requests');
  const m = parseExposition(await (await fetch(`${adminUrl}/metrics`)).text());
  assert.equal(sample(m, 'xks_requests_total', { key_store: 'e2e', operation: 'Encrypt', outcome: 'ok', error_name: '' }), sent);
  assert.equal(sample(m, 'xks_request_duration_seconds_count', { operation: 'Encrypt' }), sent);
  assert.equal(sample(m, 'xks_workers', {}), 2);
  assert.equal(sample(m, 'xks_key_store_health_status', { key_store: 'e2e', status: 'ACTIVE' }), 2);
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
  for (const [, family] of doc.matchAll(/^\| `((?:xks|process|nodejs)_[a-z0-9_]+)`/gm)) assert.ok(m.types.has(family ?? ''), `${family} missing`);
});

test('workers: each worker gets 1/N of a store quota, so the fleet admits at most the configured burst', async () => {
  const agent = fresh();
  const statuses: number[] = [];
  for (let i = 0; i < 3 * QUOTA_BURST; i++) {
    statuses.push((await signedPost(proxy.url, '/quota/kms/xks/v1/keys/k1/metadata', { requestMetadata: requestMetadata('DescribeKey') }, { agent, accessKeyId: QUOTA_ID })).status);
  }
  const admitted = statuses.filter((s) => s === 200).length;
  assert.deepEqual([...new Set(statuses)].sort(), [200, 429]);
  // Each worker's bucket holds floor(10 / 2) = 5 tokens: at least one worker's share passes, never more than the
  // store's burst (with a whole bucket per worker, 10 to 20 would).
  assert.ok(admitted <= QUOTA_BURST, `admitted ${admitted}`);
  assert.ok(admitted >= QUOTA_BURST / 2, `admitted ${admitted}`);
});

test('workers: a key file added to the shared key directory reaches every worker', async () => {
  writeFileSync(join(dir.keyDir, keyFileName('k2')), serializeKeyFile(testKey('k2')), { mode: 0o600 });
  await pollUntil('both workers to serve 2 keys', async () => {
    const s = await status();
    return s.workers?.every((w) => w.status?.keyStores.find((k) => k.name === 'e2e')?.keys === 2) === true ? true : undefined;
  });
});

test('workers: xks explain through the primary finds a decision made by whichever worker served the request', async () => {
  const agent = fresh();
  const ids = ['fleet-explain-a', 'fleet-explain-b', 'fleet-explain-c', 'fleet-explain-d'];
  // Refused requests on fresh connections: the kernel hands them to either worker; the primary must find each.
  for (const id of ids) {
    const r = await signedPost(proxy.url, '/kms/xks/v1/keys/k1/encrypt', encryptBody(id), { agent, secret: 'WRONGWRONGWRONGWRONGWRONGWRONGWRONGWRONGWRO' });
    assert.equal(r.status, 401);
  }
  for (const id of ids) {
    const res = await fetch(`${adminUrl}/decisions/${id}`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(res.status, 200, id);
    const body = (await res.json()) as { decisions: { decidedBy?: string; facts: Record<string, unknown> }[] };
    assert.equal(body.decisions[0]?.decidedBy, 'signature');
    assert.equal(typeof body.decisions[0]?.facts['canonicalRequest'], 'string');
  }
  assert.equal((await fetch(`${adminUrl}/decisions/never-sent`)).status, 404);
});


test('workers: a worker killed with SIGKILL is restarted (logged) while the other keeps serving', async () => {
  const before = await status();
  const victim = before.workers?.[0];
  assert.ok(victim !== undefined);
  process.kill(victim.pid, 'SIGKILL');
  const agent = fresh();
  for (let i = 0; i < 4; i++) assert.equal((await signedPost(proxy.url, '/kms/xks/v1/health', { requestMetadata: requestMetadata('KmsHealthCheck') }, { agent })).status, 200);
  const after = await pollUntil('the slot to run a new worker', async () => {
    const s = await status();
    const w = s.workers?.[0];
    return w !== undefined && w.pid !== victim.pid && w.status !== undefined ? w : undefined;
  }, { timeoutMs: 40_000 });
  assert.equal(after.restarts, 1);
  const died = logLines().filter((l) => l.msg === 'worker died; restarting it');
  assert.equal(died.length, 1);
  assert.equal(died[0]?.signal, 'SIGKILL');
  const m = parseExposition(await (await fetch(`${adminUrl}/metrics`)).text());
  assert.equal(sample(m, 'xks_worker_restarts_total', {}), 1);
});

test('workers: a configuration change or SIGHUP reloads every worker; a rejected reload is reported once', async () => {
  const good = readFileSync(dir.configPath, 'utf8');
  const bad = JSON.parse(good) as Record<string, unknown>;
  // Valid as a configuration, but the certificate files do not exist: every worker rejects it while loading TLS.
  bad.listen = { host: '127.0.0.1', port: 0, tls: { certFile: 'missing-cert.pem', keyFile: 'missing-key.pem' } };
  const count = (msg: string) => logLines().filter((l) => l.msg === msg).length;
  const rejectedBefore = count('configuration reload rejected; the previous configuration keeps serving');
  // The primary watches the configuration file: one change, one reload attempt, one report.
  writeFileSync(dir.configPath, JSON.stringify(bad));
  await pollUntil('the rejection', () => (count('configuration reload rejected; the previous configuration keeps serving') > rejectedBefore ? true : undefined));
  await new Promise((r) => setTimeout(r, 500));
  const rejections = logLines().filter((l) => l.msg === 'configuration reload rejected; the previous configuration keeps serving').slice(rejectedBefore);
  assert.equal(rejections.length, 1, JSON.stringify(rejections));
  assert.equal(rejections[0]?.role, 'primary');
  assert.deepEqual(rejections[0]?.workers, [1, 2]);
  assert.match(JSON.stringify(rejections[0]?.problems), /missing-cert\.pem/);
  assert.equal((await signedPost(proxy.url, '/kms/xks/v1/keys/k1/encrypt', encryptBody())).status, 200, 'still serving plain HTTP');

  const reloadedBefore = count('configuration reloaded on every worker');
  writeFileSync(dir.configPath, good);
  await pollUntil('the reload after the file change', () => logLines().filter((l) => l.msg === 'configuration reloaded on every worker')[reloadedBefore]);
  proxy.child.kill('SIGHUP');
  const reloaded = await pollUntil('the reload by SIGHUP', () =>
    logLines().filter((l) => l.msg === 'configuration reloaded on every worker' && l.reason === 'SIGHUP')[0],
  );
  assert.equal(reloaded.workers, 2);
});

test('workers: SIGTERM lets a request in flight finish, then the whole fleet exits 0', async () => {
  const url = new URL(proxy.url);
  const body = JSON.stringify(encryptBody('in-flight'));
  const signed = aws4.sign(
    { host: url.host, path: '/kms/xks/v1/keys/k1/encrypt', method: 'POST', service: 'kms-xks-proxy', region: TEST_REGION, body, headers: { 'Content-Type': 'application/json' } },
    { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET },
  );
  const socket = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += d.toString()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const head = Object.entries(signed.headers as Record<string, string>).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  // Expect: 100-continue (not signed): Node answers "100 Continue" once a worker has parsed the headers, so the
  // test knows the request is in flight (not a connection still silent, which a stopping worker may close).
  socket.write(`POST /kms/xks/v1/keys/k1/encrypt HTTP/1.1\r\n${head}Expect: 100-continue\r\n\r\n${body.slice(0, 20)}`);
  await pollUntil('a worker to take the request (100 Continue)', () => answer.startsWith('HTTP/1.1 100 Continue\r\n\r\n'), { describe: () => JSON.stringify(answer) });
  const exited = proxy.stop();
  // The workers are told to stop; the request whose body is still arriving is finished, not dropped.
  await pollUntil('the workers to stop accepting', () => (logLines().filter((l) => l.msg === 'worker stopping: no new connections, finishing requests in flight').length >= 2 ? true : undefined));
  socket.end(body.slice(20));
  await closed;
  assert.match(answer, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /, answer);
  assert.equal(await exited, 0);
  assert.ok(logLines().some((l) => l.msg === 'fleet stopped'));
});

test('workers: a port in use fails the start with the reason and exit code 1 (no worker left behind)', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as AddressInfo).port;
  try {
    await assert.rejects(
      startProxyProcess(['serve', '--config', dir.configPath, '--workers', '2', '--port', String(port), '--admin-port', '0'], { timeoutMs: 60_000 }),
      (error: Error) => /exited with 1/.test(error.message) && /could not start: .*(already in use|EADDRINUSE)/.test(error.message),
    );
  } finally {
    blocker.close();
  }
});
