/**
 * `xks serve` with a key store in a real SoftHSM2 token (docs/hsm.md): keys made by OpenSC's pkcs11-tool are served
 * as they are, a key added while running is served within seconds, `/status` and `/metrics` show the token and its
 * sessions, a reload with a wrong PIN is rejected while the running configuration keeps serving, and a start with a
 * wrong PIN, an unknown token label or a missing library exits 1 naming the field.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { formatStatus } from '../../src/cli/status-command.js';
import type { ProxyStatus } from '../../src/proxy/admin/proxy-status.js';
import { createTempProxyDir, MAIN_TS, REPO_ROOT, startProxyProcess, TSX_LOADER } from '../support/proxy-process.js';
import { createSoftHsmToken, softHsmMissing, type SoftHsmToken } from '../support/softhsm.js';
import { kmsMetadata } from '../support/test-app.js';
import { signedXksRequest } from '../support/tls-client.js';

const missing = softHsmMissing();
const PLAINTEXT = Buffer.from('kept in an HSM').toString('base64');
const encryptBody = { requestMetadata: kmsMetadata('Encrypt'), plaintext: PLAINTEXT, encryptionAlgorithm: 'AES_GCM' };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function hsmDir(token: SoftHsmToken, extra: Record<string, unknown> = {}, adminPort?: number) {
  return createTempProxyDir({
    keys: [],
    storeConfig: { keyDirectory: undefined, pkcs11: token.configBlock(extra) },
    ...(adminPort !== undefined && { extraConfig: { admin: { host: '127.0.0.1', port: adminPort } } }),
  });
}

/** Run `xks serve` expecting it to fail at start: exit code and stderr. */
function failedStart(configPath: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, MAIN_TS, 'serve', '--config', configPath], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`xks serve did not exit:\n${stderr}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

test('xks serve on a SoftHSM token: pkcs11-tool keys served, new key within seconds, status and metrics, wrong PIN on reload rejected', { skip: missing, timeout: 120_000 }, async () => {
  const token = createSoftHsmToken();
  token.keygen('hsm-key-1');
  const adminPort = await freePort();
  const t = hsmDir(token, { keyCacheMs: 500 }, adminPort);
  const proxy = await startProxyProcess(['serve', '--config', t.configPath], { env: token.env });
  try {
    const enc = await signedXksRequest(proxy.url, '/kms/xks/v1/keys/hsm-key-1/encrypt', encryptBody);
    assert.equal(enc.status, 200, JSON.stringify(enc.body));
    const parts = enc.body;
    const dec = await signedXksRequest(proxy.url, '/kms/xks/v1/keys/hsm-key-1/decrypt', { requestMetadata: kmsMetadata('Decrypt'), encryptionAlgorithm: 'AES_GCM', ...parts });
    assert.equal(dec.status, 200, JSON.stringify(dec.body));
    assert.equal(dec.body['plaintext'], PLAINTEXT);

    // GetHealthStatus names the token as the key manager (ekmFleetDetails), with the deep check's status.
    const health = await signedXksRequest(proxy.url, '/kms/xks/v1/health', { requestMetadata: { kmsRequestId: 'hsm-1', kmsOperation: 'KmsHealthCheck' } });
    assert.deepEqual(health.body['ekmFleetDetails'], [{ id: token.tokenLabel, model: 'SoftHSM project SoftHSM v2', healthStatus: 'ACTIVE' }]);

    // A key another tool adds to the token is served without a restart.
    assert.equal((await signedXksRequest(proxy.url, '/kms/xks/v1/keys/hsm-key-2/encrypt', encryptBody)).status, 404);
    token.keygen('hsm-key-2');
    await waitFor('hsm-key-2 served', async () => (await signedXksRequest(proxy.url, '/kms/xks/v1/keys/hsm-key-2/encrypt', encryptBody)).status === 200);

    const status = (await (await fetch(`http://127.0.0.1:${adminPort}/status`)).json()) as { keyStores: { backend: Record<string, unknown>; health: string }[] };
    const backend = status.keyStores[0]?.backend;
    assert.equal(backend?.['kind'], 'pkcs11');
    assert.equal(backend?.['token'], token.tokenLabel);
    assert.ok(Number(backend?.['sessionsOpen']) >= 1);
    assert.ok(Number(backend?.['keyCopies']) >= 1, 'the keys served are used through session copies (docs/hsm.md)');
    assert.equal(status.keyStores[0]?.health, 'ACTIVE');
    const printed = formatStatus(status as unknown as ProxyStatus);
    assert.match(printed, /key store e2e  \/kms\/xks\/v1  health ACTIVE  HSM token "xks-test"\n  PKCS#11 sessions \d+\/\d+ in use \(max 32, 0 waiting\); deadline exceeded 0, device errors 0, re-initialisations 0/);
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    assert.match(metrics, /xks_hsm_sessions\{key_store="e2e",state="max"\} 32/);
    assert.match(metrics, /xks_hsm_call_duration_seconds_count\{operation="encrypt",outcome="ok"\} [1-9]/);
    assert.match(metrics, /xks_hsm_available\{key_store="e2e",token="xks-test"\} 1/);
    assert.ok(!proxy.stdout().includes(token.pin === '1234' ? '"1234"' : token.pin), 'the PIN never appears in the log');

    // A wrong PIN on reload: rejected, named, and the running configuration keeps serving.
    writeFileSync(token.pinFile, '999999\n');
    proxy.child.kill('SIGHUP');
    await waitFor("reload rejected", () => proxy.stdout().includes("configuration reload rejected"));
    const rejected = proxy.stdout().split('\n').find((l) => l.includes('configuration reload rejected')) ?? '';
    assert.match(rejected, /keyStores\.0\.pkcs11\.pinFile/);
    assert.equal((await signedXksRequest(proxy.url, '/kms/xks/v1/keys/hsm-key-1/encrypt', encryptBody)).status, 200);
  } finally {
    await proxy.stop();
    t.cleanup();
    token.cleanup();
  }
});

test('xks serve: wrong PIN, unknown token label, missing PKCS#11 library -> exit 1 naming the field', { skip: missing, timeout: 120_000 }, async () => {
  const token = createSoftHsmToken();
  const cases: [string, Record<string, unknown>, () => void, RegExp][] = [
    ['wrong PIN', {}, () => writeFileSync(token.pinFile, '4321\n'), /keyStores\.0\.pkcs11\.pinFile: .*CKR_PIN_INCORRECT/],
    ['unknown token label', { tokenLabel: 'no-such-token' }, () => undefined, /keyStores\.0\.pkcs11\.tokenLabel: no token labelled "no-such-token"/],
    ['missing library', { module: '/usr/lib/no-such-pkcs11.so' }, () => undefined, /keyStores\.0\.pkcs11\.module: cannot load the PKCS#11 library/],
  ];
  try {
    for (const [name, extra, prepare, expected] of cases) {
      const t = hsmDir(token, extra);
      prepare();
      try {
        const { code, stderr } = await failedStart(t.configPath, token.env);
        assert.equal(code, 1, `${name}: exit code; stderr ${stderr}`);
        assert.match(stderr, expected, name);
        assert.ok(!stderr.includes('4321'), `${name}: the PIN is never printed`);
      } finally {
        t.cleanup();
        writeFileSync(token.pinFile, `${token.pin}\n`);
      }
    }
  } finally {
    token.cleanup();
  }
});
