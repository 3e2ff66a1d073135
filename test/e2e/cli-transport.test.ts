import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ACCESS_KEY_ID_PATTERN, SECRET_ACCESS_KEY_PATTERN } from '../../src/proxy/config/config-schema.js';
import { createTempProxyDir, MAIN_TS, startProxyProcess, TSX_LOADER } from '../support/proxy-process.js';
import { testKey } from '../support/test-app.js';

function xks(args: readonly string[], cwd?: string) {
  const r = spawnSync(process.execPath, ['--import', TSX_LOADER, MAIN_TS, ...args], { encoding: 'utf8', timeout: 120_000, cwd, env: { ...process.env, XKS_CONFIG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('cli: credentials new -> a spec-valid access key id and secret, different every time', () => {
  const a = xks(['credentials', 'new', '--json']);
  const b = xks(['credentials', 'new', '--json', '--id-length', '30']);
  assert.equal(a.code, 0, a.stderr);
  const ca = JSON.parse(a.stdout) as { accessKeyId: string; secretAccessKey: string };
  const cb = JSON.parse(b.stdout) as { accessKeyId: string; secretAccessKey: string };
  for (const c of [ca, cb]) {
    assert.match(c.accessKeyId, ACCESS_KEY_ID_PATTERN);
    assert.match(c.secretAccessKey, SECRET_ACCESS_KEY_PATTERN);
    assert.equal(Buffer.from(c.secretAccessKey, 'base64').length, 32, '256 bits of entropy');
  }
  assert.equal(cb.accessKeyId.length, 30);
  assert.notEqual(ca.secretAccessKey, cb.secretAccessKey);
  const text = xks(['credentials', 'new']);
  assert.match(text.stdout, /update-custom-key-store/);
  assert.equal(xks(['credentials', 'new', '--id-length', '19']).code, 1);
});

test('cli: authz test -> decision and deciding rule for sample requests, exit 0 allow / 2 deny', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xks-authz-'));
  const policy = resolve(import.meta.dirname, '..', '..', 'examples', 'authorization-policy.json');
  const request = join(dir, 'req.json');
  writeFileSync(request, JSON.stringify({ operation: 'Encrypt', requestMetadata: { awsPrincipalArn: 'arn:aws:iam::1:role/x', kmsKeyArn: 'arn:aws:kms:us-east-1:1:key/k', kmsOperation: 'GenerateDataKey', kmsRequestId: 'r' } }));
  const allow = xks(['authz', 'test', '--policy', policy, '--request', request]);
  assert.equal(allow.code, 0, allow.stderr);
  assert.equal(allow.stdout, 'allow by rule allow-encrypt (rules[1])\n');
  const deny = xks(['authz', 'test', '--policy', policy, '--request', request, '--operation', 'Decrypt', '--json']);
  assert.equal(deny.code, 2);
  assert.deepEqual(JSON.parse(deny.stdout).decision, 'deny');
  assert.equal(JSON.parse(deny.stdout).rule, 'default');
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ default: 'nope', rules: [] }));
  const bad = xks(['authz', 'test', '--policy', join(dir, 'bad.json'), '--request', request]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /bad\.json: default/);
});

test('cli: dev-cert --config -> CA + server certificate via openssl, listen.tls set; xks serve speaks HTTPS to curl --cacert', async () => {
  const dir = createTempProxyDir({ keys: [testKey('k1')] });
  try {
    const r = xks(['dev-cert', '--host', 'localhost', '--out', join(dir.dir, 'tls'), '--config', dir.configPath], dir.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created CA/);
    assert.equal(statSync(join(dir.dir, 'tls', 'server-key.pem')).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(dir.configPath, 'utf8')).listen.tls, { certFile: 'tls/server.pem', keyFile: 'tls/server-key.pem' });
    const again = xks(['dev-cert', '--out', join(dir.dir, 'tls')], dir.dir);
    assert.match(again.stdout, /reused CA/);
    const proxy = await startProxyProcess(['serve', '--config', dir.configPath]);
    try {
      assert.match(proxy.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const port = new URL(proxy.url).port;
      const c = spawnSync('curl', ['-sS', '--cacert', join(dir.dir, 'tls', 'ca.pem'), `https://localhost:${port}/ping`], { encoding: 'utf8', timeout: 10_000 });
      assert.equal(c.status, 0, c.stderr);
      assert.equal(c.stdout, '{"status":"ok"}');
    } finally {
      await proxy.stop();
    }
  } finally {
    dir.cleanup();
  }
});
