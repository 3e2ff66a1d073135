/**
 * Issue "operator mistakes": what a running `xks serve` process does when the operator breaks its files.
 * One real process (file watch on, admin listener), one mistake after the other; after each, every key that was
 * serving still serves (or, deleted on purpose, is gone), the log says so once, and `xks status` shows it.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTempProxyDir, startProxyProcess, type ProxyProcess } from '../support/proxy-process.js';
import { runCli } from '../support/run-cli.js';
import { kmsMetadata, TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET, testKey } from '../support/test-app.js';
import { healthBody, signedXksRequest } from '../support/tls-client.js';
import { pollUntil } from '../support/poll-until.js';

const PLAINTEXT = Buffer.from('operator mistakes at 3 a.m.').toString('base64');


/** Parsed JSON log lines with this message. */
function logLines(proxy: ProxyProcess, msg: string): Record<string, unknown>[] {
  return proxy
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => typeof l.msg === 'string' && l.msg.startsWith(msg));
}

test('xks serve: broken key file, deleted key file, bad key directory on reload, loose permissions -> no live key stops serving', { timeout: 120_000 }, async () => {
  // A fixed admin port (free a moment ago), so `xks keys list` finds the running proxy from the configuration.
  const adminPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const t = createTempProxyDir({ keys: [testKey('k1'), testKey('k2', { versions: 2 })], extraConfig: { admin: { host: '127.0.0.1', port: adminPort } } });
  // A secret file readable by others and a world-writable key directory: warned about at start and at each reload.
  const secretFile = join(t.dir, 'secret');
  writeFileSync(secretFile, `${TEST_SECRET}\n`, { mode: 0o644 });
  chmodSync(secretFile, 0o644);
  chmodSync(t.keyDir, 0o777);
  const config = JSON.parse(readFileSync(t.configPath, 'utf8')) as { keyStores: Record<string, unknown>[] };
  const store = { name: 'e2e', uriPrefix: '', regions: [TEST_REGION], credentials: [{ accessKeyId: TEST_ACCESS_KEY_ID, secretFile: 'secret' }], keyDirectory: 'keys' };
  const writeConfig = (s: Record<string, unknown>) => writeFileSync(t.configPath, JSON.stringify({ ...config, keyStores: [s] }));
  writeConfig(store);

  const proxy = await startProxyProcess(['serve', '--config', t.configPath], { cwd: t.dir });
  const adminUrl = /admin listener \(xks status\) on (\S+)/.exec(proxy.stderr())?.[1] ?? '';
  const env = { XKS_CONFIG: t.configPath };
  const call = (id: string, op: string, body: Record<string, unknown>) => signedXksRequest(proxy.url, `/kms/xks/v1/keys/${id}/${op}`, { requestMetadata: kmsMetadata(op === 'metadata' ? 'CreateKey' : op === 'encrypt' ? 'Encrypt' : 'Decrypt'), ...body });
  const encrypt = (id: string) => call(id, 'encrypt', { plaintext: PLAINTEXT, encryptionAlgorithm: 'AES_GCM' });
  const healthStatus = async () => ((await signedXksRequest(proxy.url, '/kms/xks/v1/health', healthBody)).body.ekmFleetDetails as { healthStatus: string }[])[0]?.healthStatus;
  const status = async () => {
    const r = await runCli(['status', '--url', adminUrl], { cwd: t.dir, env });
    assert.equal(r.error, undefined, r.error?.message);
    return r.stdout;
  };
  try {
    // 6. Permissions, at start.
    const dirWarning = 'key directory is writable by group or others (mode 777)';
    const secretWarning = 'secret file is readable by group or others (mode 644)';
    await pollUntil('permission warnings logged', () => logLines(proxy, secretWarning).length === 1);
    assert.equal(logLines(proxy, dirWarning).length, 1, proxy.stdout());
    assert.equal(logLines(proxy, dirWarning)[0]?.file, t.keyDir);
    assert.equal(logLines(proxy, secretWarning)[0]?.file, secretFile);

    // 2. A truncated key file: the last good version keeps serving from memory; DEGRADED names the file.
    const before = await encrypt('k2');
    assert.equal(before.status, 200);
    truncateSync(join(t.keyDir, 'k2.json'), 100);
    const memoryWarning = 'key file unreadable or invalid';
    await pollUntil('warn: serving the last good version', () => logLines(proxy, memoryWarning).length > 0);
    assert.equal(logLines(proxy, memoryWarning)[0]?.level, 'warn');
    assert.equal(logLines(proxy, memoryWarning)[0]?.file, join(t.keyDir, 'k2.json'));
    assert.equal((await encrypt('k2')).status, 200, 'k2 still encrypts');
    const decrypted = await call('k2', 'decrypt', {
      encryptionAlgorithm: 'AES_GCM',
      ciphertext: before.body.ciphertext,
      ciphertextMetadata: before.body.ciphertextMetadata,
      initializationVector: before.body.initializationVector,
      authenticationTag: before.body.authenticationTag,
    });
    assert.equal(decrypted.body.plaintext, PLAINTEXT, 'and decrypts what it encrypted before');
    await pollUntil('health DEGRADED', async () => (await healthStatus()) === 'DEGRADED');
    const degraded = await status();
    assert.match(degraded, /health DEGRADED/);
    assert.match(degraded, /key k2 SERVED FROM MEMORY since \S+ \(last good version; \S+k2\.json is unreadable or invalid\)/);
    assert.match(degraded, /because: 1 key file\(s\) failed to load: \S+k2\.json; serving 1 key\(s\) from memory/);
    const list = await runCli(['keys', 'list'], { cwd: t.dir, env });
    assert.match(list.stderr, /problem: \S+k2\.json: not valid JSON/);
    assert.match(list.stderr, /served from memory by the running proxy \(http:\/\/127\.0\.0\.1:\d+\): k2 since/);
    // Once per change: another directory change reloads the store without a second warning.
    assert.equal((await runCli(['keys', 'create', 'k3'], { cwd: t.dir, env })).error, undefined);
    await pollUntil('k3 served', async () => (await encrypt('k3')).status === 200);
    assert.equal(logLines(proxy, memoryWarning).length, 1, 'warned once');

    // 2'. A key file deleted on purpose leaves service.
    unlinkSync(join(t.keyDir, 'k2.json'));
    await pollUntil('k2 removed', async () => (await encrypt('k2')).body.errorName === 'KeyNotFoundException');
    await pollUntil('removal logged', () => logLines(proxy, 'key removed from service').length > 0);
    assert.equal(logLines(proxy, 'key removed from service')[0]?.externalKeyId, 'k2');
    await pollUntil('health back to ACTIVE', async () => (await healthStatus()) === 'ACTIVE');

    // 1. A reload naming a key directory that does not exist (a typo) is rejected; k1 keeps serving.
    writeConfig({ ...store, keyDirectory: 'keyz' });
    await pollUntil('reload rejected', () => logLines(proxy, 'configuration reload rejected').length === 1);
    assert.match(String((logLines(proxy, 'configuration reload rejected')[0]?.problems as string[])[0]), /keyStores\.0\.keyDirectory: \S+keyz does not exist/);
    assert.equal((await encrypt('k1')).status, 200);
    assert.match(await status(), /RELOAD REJECTED at \S+ \(file change: [^)]+\); the configuration above keeps serving:\n {2}problem: keyStores\.0\.keyDirectory: \S+keyz does not exist/);
    // A key directory that is a file: rejected too.
    writeFileSync(join(t.dir, 'not-a-dir'), 'x');
    writeConfig({ ...store, keyDirectory: 'not-a-dir' });
    await pollUntil('second reload rejected', () => logLines(proxy, 'configuration reload rejected').length === 2);
    assert.match(String((logLines(proxy, 'configuration reload rejected')[1]?.problems as string[])[0]), /not-a-dir is not a directory/);
    writeConfig(store);
    await pollUntil('reloaded', () => logLines(proxy, 'configuration reloaded').length === 1);
    assert.doesNotMatch(await status(), /RELOAD REJECTED/);
    assert.equal(logLines(proxy, dirWarning).length, 2, 'permissions warned again at the reload');

    // 1'. `mv keys keys.moved; kill -HUP`: the directory watch keeps every key in memory, the reload is rejected.
    renameSync(t.keyDir, join(t.dir, 'keys.moved'));
    await pollUntil('served from memory', async () => /key k1 SERVED FROM MEMORY/.test(await status()));
    proxy.child.kill('SIGHUP');
    await pollUntil('SIGHUP reload rejected', () => logLines(proxy, 'configuration reload rejected').length === 3);
    assert.match(String((logLines(proxy, 'configuration reload rejected')[2]?.problems as string[])[0]), /keys does not exist/);
    for (const id of ['k1', 'k3']) assert.equal((await encrypt(id)).status, 200, `${id} still serves`);
    assert.equal(await healthStatus(), 'DEGRADED', 'unhealthy, still serving (spec A7)');
    renameSync(join(t.dir, 'keys.moved'), t.keyDir);
    proxy.child.kill('SIGHUP');
    await pollUntil('reloaded after the move back', () => logLines(proxy, 'configuration reloaded').length === 2);
    assert.doesNotMatch(await status(), /SERVED FROM MEMORY|RELOAD REJECTED/);
    assert.equal((await encrypt('k1')).status, 200);
    assert.ok(!proxy.stdout().includes(TEST_SECRET), 'no secret in the log');
  } finally {
    await proxy.stop();
    rmSync(join(t.dir, 'keys.moved'), { recursive: true, force: true });
    t.cleanup();
  }
});
