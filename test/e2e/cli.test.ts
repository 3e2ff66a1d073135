import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTempProxyDir, MAIN_TS, startProxyProcess, TSX_LOADER } from '../support/proxy-process.js';
import { testKey } from '../support/test-app.js';

function xks(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, ['--import', TSX_LOADER, MAIN_TS, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    cwd: options.cwd,
    env: { ...process.env, XKS_CONFIG: '', ...options.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('cli: --help on the program and on every command', () => {
  const top = xks(['--help']);
  assert.equal(top.code, 0);
  for (const command of ['serve', 'config', 'status', 'keys']) assert.match(top.stdout, new RegExp(`\\b${command}\\b`));
  for (const args of [['serve', '--help'], ['config', 'check', '--help'], ['status', '--help'], ['keys', 'rotate', '--help'], ['config', 'export', '--help']]) {
    const r = xks(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.stdout, /Usage: xks/);
  }
});

test('cli: config check on a good config -> ok; on a bad one -> every problem, exit 1', () => {
  const dir = createTempProxyDir({ keys: [testKey('k1')] });
  try {
    const ok = xks(['config', 'check', '--config', dir.configPath]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /key store e2e: \/kms\/xks\/v1, 1 credential\(s\), 1 key\(s\)/);
    const viaEnv = xks(['config', 'check'], { env: { XKS_CONFIG: dir.configPath } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    const bad = join(dir.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ listen: { port: -1 }, keyStores: [{ name: 'x', uriPrefix: 'x', regions: [], credentials: [], keyDirectory: 'k' }] }));
    const r = xks(['config', 'check', '--config', bad]);
    assert.equal(r.code, 1);
    for (const field of ['listen.port', 'keyStores.0.uriPrefix', 'keyStores.0.regions', 'keyStores.0.credentials']) assert.ok(r.stderr.includes(field), r.stderr);
    writeFileSync(join(dir.keyDir, 'broken.json'), '{');
    const broken = xks(['config', 'check', '--config', dir.configPath]);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /broken\.json: not valid JSON/);
  } finally {
    dir.cleanup();
  }
});

test('cli: serve with no config -> dev default generated under ./keys/dev and said so; secret shown until a start has listened, then never', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'xks-dev-'));
  // A first start whose port is taken generates the dev default but never listens: the secret must not be spent.
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  const port = String((taken.address() as AddressInfo).port);
  const failed = xks(['serve', '--port', port, '--admin-port', '0'], { cwd });
  await new Promise<void>((r) => taken.close(() => r()));
  assert.notEqual(failed.code, 0, 'the start with a taken port fails');
  assert.match(failed.stderr, /created the dev default in keys\/dev/);
  const secret = readFileSync(join(cwd, 'keys/dev/secret-access-key'), 'utf8').trim();
  const first = await startProxyProcess(['serve', '--port', '0', '--admin-port', '0'], { cwd, env: { XKS_CONFIG: '' } });
  await first.stop();
  assert.ok(first.stderr().includes(secret), 'the first start that listens prints the secret');
  assert.doesNotMatch(first.stderr(), /created the dev default/, 'reused, not created again');
  assert.match(first.stderr(), /curl -sS --aws-sigv4 "aws:amz:us-east-1:kms-xks-proxy"/);
  assert.match(first.stderr(), /"XksProxyUriPath":"\/kms\/xks\/v1"/);
  assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(statSync(join(cwd, 'keys/dev/secret-access-key')).mode & 0o777, 0o600);
  assert.ok(!first.stdout().includes(secret), 'the secret never reaches the log');
  const second = await startProxyProcess(['serve', '--port', '0', '--admin-port', '0'], { cwd, env: { XKS_CONFIG: '' } });
  await second.stop();
  assert.ok(!second.stderr().includes(secret), 'later starts do not print the secret');
  assert.equal(readFileSync(join(cwd, 'keys/dev/secret-access-key'), 'utf8').trim(), secret);
});

test('cli: status reads the admin listener of a running proxy', async () => {
  const dir = createTempProxyDir({ keys: [testKey('k1'), testKey('k2')], extraConfig: { admin: { host: '127.0.0.1', port: 0 } } });
  const proxy = await startProxyProcess(['serve', '--config', dir.configPath]);
  try {
    const adminUrl = /admin listener \(xks status\) on (\S+)/.exec(proxy.stderr())?.[1];
    assert.ok(adminUrl !== undefined, proxy.stderr());
    const r = xks(['status', '--url', adminUrl]);
    assert.equal(r.code, 0, `xks status exited ${r.code}; stdout: ${r.stdout}; stderr: ${r.stderr}`);
    assert.match(r.stdout, /key store e2e {2}\/kms\/xks\/v1 {2}health ACTIVE {2}keys 2/);
    assert.match(r.stdout, /credential AKIAI2SFODNN7EXAMPLE/);
  } finally {
    await proxy.stop();
    dir.cleanup();
  }
});
