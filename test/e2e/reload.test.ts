import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { test } from 'node:test';
import aws4 from 'aws4';
import { createTempProxyDir, MAIN_TS, startProxyProcess, TSX_LOADER } from '../support/proxy-process.js';
import { startInProcessProxy } from '../support/in-process-proxy.js';
import { kmsMetadata, TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET, testKey } from '../support/test-app.js';
import { healthBody, signedXksRequest } from '../support/tls-client.js';
import { pollUntil } from '../support/poll-until.js';

const NEW_ID = 'NEWKEYIDAAAAAAAAAAAA2345';
const NEW_SECRET = 'bmV3LXNlY3JldC1mb3Itcm90YXRpb24tdGVzdHMtMDEyMzQ1Njc4OQ==';
const OLD = { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET };
const NEW = { accessKeyId: NEW_ID, secretAccessKey: NEW_SECRET };

function storeConfig(credentials: readonly object[], extra: Record<string, unknown> = {}) {
  return { name: 'e2e', uriPrefix: '', regions: [TEST_REGION], credentials, keyDirectory: 'keys', ...extra };
}

const health = (url: string, c: { accessKeyId: string; secretAccessKey: string }) =>
  signedXksRequest(url, '/kms/xks/v1/health', healthBody, { accessKeyId: c.accessKeyId, secret: c.secretAccessKey });

/** Send a signed request's headers and half its body now; the rest when `finish` is called. */
async function startSlowRequest(port: number, c: { accessKeyId: string; secretAccessKey: string }) {
  const body = JSON.stringify({ requestMetadata: kmsMetadata('Encrypt'), plaintext: Buffer.from('in flight').toString('base64'), encryptionAlgorithm: 'AES_GCM' });
  const signed = aws4.sign(
    { host: 'localhost', method: 'POST', path: '/kms/xks/v1/keys/k1/encrypt', service: 'kms-xks-proxy', region: TEST_REGION, headers: { 'Content-Type': 'application/json' }, body },
    c,
  );
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const head = Object.entries(signed.headers ?? {})
    .filter(([k]) => k.toLowerCase() !== 'content-length')
    .map(([k, v]) => `${k}: ${String(v)}`).join('\r\n');
  socket.write(`POST /kms/xks/v1/keys/k1/encrypt HTTP/1.1\r\n${head}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`);
  socket.write(body.slice(0, 20));
  let response = '';
  socket.on('data', (d: Buffer) => (response += d.toString()));
  const closed = new Promise<string>((r) => socket.once('close', () => r(response)));
  return {
    finish: () => {
      socket.write(body.slice(20));
      return closed;
    },
  };
}

test('reload: two credentials side by side; removing one by file change -> effective without restart, in-flight request not failed', async () => {
  const p = await startInProcessProxy({ keys: [testKey('k1')], config: () => ({ keyStores: [storeConfig([OLD, NEW])] }), watch: true });
  try {
    assert.equal((await health(p.proxy.url, OLD)).status, 200);
    assert.equal((await health(p.proxy.url, NEW)).status, 200);
    assert.equal((await health(p.proxy.url, NEW)).status, 200);

    // In flight once the proxy has parsed its headers (its server's 'request' event, after the proxy's own listener
    // took the runtime): awaited, not slept for (a reload before that would judge it by the new credentials).
    let requests = 0;
    p.proxy.server.on('request', () => (requests += 1));
    const inFlight = await startSlowRequest(p.proxy.port, OLD);
    await pollUntil('the proxy to receive the in-flight request', () => requests === 1);
    const since = p.logs.length;
    const config = JSON.parse(readFileSync(p.dir.configPath, 'utf8')) as Record<string, unknown>;
    p.writeConfig({ ...config, keyStores: [storeConfig([NEW])] });
    const reloaded = await p.waitForLog('configuration reloaded', since);
    assert.match(String(reloaded.reason), /file change/);
    // The reload log says when the remaining credential was last used and how often.
    const creds = (reloaded.keyStores as { credentials: { accessKeyId: string; requestCount: number; lastUsedAt: string | null }[] }[])[0]?.credentials;
    assert.equal(creds?.[0]?.accessKeyId, NEW_ID);
    assert.equal(creds?.[0]?.requestCount, 2);
    assert.ok(creds?.[0]?.lastUsedAt !== null);

    const response = await inFlight.finish();
    assert.match(response, /^HTTP\/1\.1 200 /, 'the request that started before the reload completes with the old credential');
    const old = await health(p.proxy.url, OLD);
    assert.equal(old.status, 401);
    assert.equal(old.body.errorName, 'AuthenticationFailedException');
    assert.equal((await health(p.proxy.url, NEW)).status, 200);
  } finally {
    await p.stop();
  }
});

test('reload: a bad configuration is rejected with every problem logged; the old one keeps serving; a fixed file is picked up', async () => {
  const p = await startInProcessProxy({ keys: [testKey('k1')], config: () => ({ keyStores: [storeConfig([OLD])] }), watch: true });
  try {
    const good = JSON.parse(readFileSync(p.dir.configPath, 'utf8')) as Record<string, unknown>;
    let since = p.logs.length;
    p.writeConfig({ ...good, keyStores: [storeConfig([{ accessKeyId: 'lower-case', secretAccessKey: 'short' }], { quota: { requestsPerSecond: -1 } })] });
    const rejected = await p.waitForLog('configuration reload rejected; the previous configuration keeps serving', since);
    const problems = (rejected.problems as string[]).join('\n');
    for (const field of ['credentials.0.accessKeyId', 'credentials.0.secretAccessKey', 'quota.requestsPerSecond']) assert.ok(problems.includes(field), problems);
    assert.ok(!p.rawLogs.join('').includes(TEST_SECRET), 'no secret in the log');
    assert.equal((await health(p.proxy.url, OLD)).status, 200);

    since = p.logs.length;
    p.writeConfig({ ...good, keyStores: [storeConfig([OLD, NEW])] });
    await p.waitForLog('configuration reloaded', since);
    assert.equal((await health(p.proxy.url, NEW)).status, 200);
  } finally {
    await p.stop();
  }
});

test('reload: kill switches by reload -> blocked store answers InvalidStateException (health too), disabled key; logged with who/when; unblock', async () => {
  const p = await startInProcessProxy({ keys: [testKey('k1')], config: () => ({ keyStores: [storeConfig([OLD])] }) });
  try {
    const good = JSON.parse(readFileSync(p.dir.configPath, 'utf8')) as Record<string, unknown>;
    const blocked = { by: 'alice@example.com', at: '2026-11-28T12:00:00Z', reason: 'incident 42' };
    p.writeConfig({ ...good, keyStores: [storeConfig([OLD], { blocked })] });
    let since = p.logs.length;
    assert.equal(p.reloader.reload('SIGHUP'), true);
    const line = await p.waitForLog('key store blocked', since);
    assert.equal(line.blockedBy, 'alice@example.com');
    assert.equal(line.blockedAt, '2026-11-28T12:00:00Z');
    const h = await health(p.proxy.url, OLD);
    assert.equal(h.status, 400);
    assert.equal(h.body.errorName, 'InvalidStateException');
    const ping = await fetch(`${p.proxy.url}/ping`);
    assert.equal(ping.status, 200, 'the load-balancer ping is never blocked');

    p.writeConfig({ ...good, keyStores: [storeConfig([OLD], { keys: { k1: { keyStatus: 'DISABLED', by: 'bob', at: '2026-11-28T13:00:00Z' } } })] });
    since = p.logs.length;
    p.reloader.reload('SIGHUP');
    const disabled = await p.waitForLog('key disabled by configuration', since);
    assert.equal(disabled.disabledBy, 'bob');
    const meta = await signedXksRequest(p.proxy.url, '/kms/xks/v1/keys/k1/metadata', { requestMetadata: kmsMetadata('CreateKey') });
    assert.equal(meta.body.keyStatus, 'DISABLED');
    const enc = await signedXksRequest(p.proxy.url, '/kms/xks/v1/keys/k1/encrypt', {
      requestMetadata: kmsMetadata('Encrypt'),
      plaintext: 'aGk=',
      encryptionAlgorithm: 'AES_GCM',
    });
    assert.equal(enc.body.errorName, 'InvalidStateException');
    assert.equal((await health(p.proxy.url, OLD)).status, 200, 'store unblocked');
  } finally {
    await p.stop();
  }
});

function xks(args: readonly string[]) {
  const r = spawnSync(process.execPath, ['--import', TSX_LOADER, MAIN_TS, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, XKS_CONFIG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('reload: real `xks serve` process reloads on SIGHUP; `xks status` shows each credential last used and request count', async () => {
  const dir = createTempProxyDir({ keys: [testKey('k1')], extraConfig: { admin: { host: '127.0.0.1', port: 0 } } });
  const proxy = await startProxyProcess(['serve', '--config', dir.configPath, '--no-watch']);
  try {
    const config = JSON.parse(readFileSync(dir.configPath, 'utf8')) as { keyStores: Record<string, unknown>[] };
    assert.equal((await health(proxy.url, NEW)).status, 401);
    const store = config.keyStores[0] ?? {};
    writeFileSync(dir.configPath, JSON.stringify({ ...config, keyStores: [{ ...store, credentials: [OLD, NEW] }] }));
    proxy.child.kill('SIGHUP');
    await pollUntil('the proxy to log "configuration reloaded"', () => proxy.stdout().includes('configuration reloaded'), { intervalMs: 50 });
    assert.match(proxy.stdout(), /"reason":"SIGHUP"[^\n]*configuration reloaded/);
    assert.equal((await health(proxy.url, NEW)).status, 200);
    assert.equal((await health(proxy.url, NEW)).status, 200);
    const adminUrl = /admin listener \(xks status\) on (\S+)/.exec(proxy.stderr())?.[1] ?? '';
    const status = xks(['status', '--url', adminUrl]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /configuration .* \(loaded .*, SIGHUP\)/);
    assert.match(status.stdout, new RegExp(`credential ${TEST_ACCESS_KEY_ID} {2}last used never {2}requests 0`));
    assert.match(status.stdout, new RegExp(`credential ${NEW_ID} {2}last used \\d{4}-\\d\\d-\\d\\dT[^ ]+ {2}requests 2`));
    // spawnSync above blocked this event loop: let the proxy's buffered log lines arrive before reading them.
    const firstUse = new RegExp(`^(?=[^\\n]*"accessKeyId":"${NEW_ID}")(?=[^\\n]*"credentialFirstUse":true)`, 'm');
    await pollUntil('the credentialFirstUse log line', () => firstUse.test(proxy.stdout()), { intervalMs: 50 });
    assert.match(proxy.stdout(), firstUse);
  } finally {
    await proxy.stop();
    dir.cleanup();
  }
});
