/**
 * After `xks dev-cert`, the curl command the `xks serve` banner prints works as pasted: it carries `--cacert` with
 * the development CA (without it curl says "unable to get local issuer certificate"). Real openssl, a real proxy
 * process over TLS, the real curl binary run by bash.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { runCli } from '../support/run-cli.js';
import { createTempProxyDir, startProxyProcess } from '../support/proxy-process.js';
import { TEST_SECRET, testKey } from '../support/test-app.js';

test('dev-cert then serve: the banner curl has --cacert and answers the signed GetHealthStatus over TLS', { timeout: 60_000 }, async () => {
  const dir = createTempProxyDir({ keys: [testKey('key-1')] });
  try {
    const cert = await runCli(['dev-cert', '--host', 'localhost', '--out', 'tls', '--config', 'config.json'], { cwd: dir.dir });
    assert.equal(cert.error, undefined, cert.stderr);
    const proxy = await startProxyProcess(['serve', '--config', 'config.json'], { cwd: dir.dir, timeoutMs: 30_000 });
    try {
      assert.match(proxy.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const banner = proxy.stderr();
      const lines = banner.split('\n');
      const start = lines.findIndex((l) => l.trimStart().startsWith('curl '));
      assert.ok(start >= 0, banner);
      const command = lines.slice(start, start + 3).join('\n').replace('<SECRET>', TEST_SECRET);
      assert.match(command, /curl -sS --cacert tls\/ca\.pem --aws-sigv4/);
      const out = execFileSync('bash', ['-c', command], { cwd: dir.dir, encoding: 'utf8', timeout: 20_000 });
      assert.equal((JSON.parse(out) as { xksProxyFleetSize: number }).xksProxyFleetSize, 1, out);
    } finally {
      await proxy.stop();
    }
  } finally {
    dir.cleanup();
  }
});
