/**
 * The files in examples/ work as the docs say: the sample authorization request gets the documented decision from
 * the sample policy, the multi-store configuration validates, and the mTLS recipe (real openssl) makes a client
 * certificate a real proxy process accepts, while a client without one is cut off (curl over real TLS).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfigFile } from '../../src/proxy/config/load-config.js';
import { runCli } from '../support/run-cli.js';
import { createTempProxyDir, REPO_ROOT, startProxyProcess } from '../support/proxy-process.js';
import { testKey } from '../support/test-app.js';

test('examples/authz-request.json against examples/authorization-policy.json -> allow by rule allow-encrypt', async () => {
  const run = await runCli(['authz', 'test', '--policy', 'examples/authorization-policy.json', '--request', 'examples/authz-request.json'], { cwd: REPO_ROOT });
  assert.equal(run.error, undefined, run.stderr);
  assert.match(run.stdout, /^allow by rule allow-encrypt/);
  const denied = await runCli(['authz', 'test', '--policy', 'examples/authorization-policy.json', '--request', 'examples/authz-request.json', '--operation', 'Decrypt'], { cwd: REPO_ROOT });
  assert.match(denied.stdout, /^deny/);
  assert.equal(denied.exitCode, 2);
});

test('examples/multi-store.json validates: two key stores, their prefixes, credentials and policy', () => {
  const config = loadConfigFile(join(REPO_ROOT, 'examples', 'multi-store.json'));
  assert.deepEqual(
    config.keyStores.map((s) => [s.name, s.uriPath, s.credentials.length]),
    [
      ['payments', '/payments/kms/xks/v1', 1],
      ['analytics', '/analytics/eu/kms/xks/v1', 2],
    ],
  );
});

function curl(args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', ...args], { cwd, encoding: 'utf8', timeout: 15_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

test('examples/mtls-client-cert.sh: its client certificate gets /ping 200 from a proxy with clientAuth; no certificate -> cut off', { timeout: 90_000 }, async () => {
  const dir = createTempProxyDir({ keys: [testKey('key-1')] });
  try {
    execFileSync('sh', [join(REPO_ROOT, 'examples', 'mtls-client-cert.sh'), 'cks.kms.eu-west-1.amazonaws.com', 'mtls'], { cwd: dir.dir, stdio: 'pipe', timeout: 30_000 });
    for (const f of ['client-ca.pem', 'client.pem', 'client-key.pem']) assert.ok(existsSync(join(dir.dir, 'mtls', f)), f);
    const cert = await runCli(['dev-cert', '--host', 'localhost', '--out', 'tls', '--config', 'config.json'], { cwd: dir.dir });
    assert.equal(cert.error, undefined, cert.stderr);
    const config = JSON.parse(execFileSync('cat', ['config.json'], { cwd: dir.dir, encoding: 'utf8' })) as { listen: { tls: Record<string, unknown> } };
    config.listen.tls['clientAuth'] = { caFile: 'mtls/client-ca.pem', allowedSubjects: ['cks.kms.*.amazonaws.com'] };
    writeFileSync(join(dir.dir, 'config.json'), JSON.stringify(config));
    const proxy = await startProxyProcess(['serve', '--config', 'config.json'], { cwd: dir.dir, timeoutMs: 40_000 });
    try {
      const url = proxy.url.replace('127.0.0.1', 'localhost');
      const withCert = await curl(['--cacert', 'tls/ca.pem', '--cert', 'mtls/client.pem', '--key', 'mtls/client-key.pem', `${url}/ping`], dir.dir);
      assert.equal(withCert.code, 0, withCert.stderr);
      assert.deepEqual(JSON.parse(withCert.stdout), { status: 'ok' });
      const without = await curl(['--cacert', 'tls/ca.pem', `${url}/ping`], dir.dir);
      assert.notEqual(without.code, 0, `without a client certificate /ping must not answer: ${without.stdout}`);
      assert.equal(without.stdout, '');
    } finally {
      await proxy.stop();
    }
  } finally {
    dir.cleanup();
  }
});
