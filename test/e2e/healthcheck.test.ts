/**
 * `xks healthcheck` (the container HEALTHCHECK) follows the configuration: plain HTTP on the configured port,
 * HTTPS when listen.tls is set (a development certificate from real openssl), a TLS handshake when mTLS is on
 * (where /ping needs a client certificate); a stopped proxy fails with the URL and the cause.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { startInProcessProxy } from '../support/in-process-proxy.js';
import { createTempProxyDir } from '../support/proxy-process.js';
import { runCli } from '../support/run-cli.js';
import { testKey } from '../support/test-app.js';

test('healthcheck: HTTP, then HTTPS, then mTLS on the configured port -> ok; proxy stopped -> exit 1 naming the URL and the cause', { timeout: 90_000 }, async () => {
  const certs = createTempProxyDir({ keys: [] });
  try {
    const cert = await runCli(['dev-cert', '--host', 'localhost', '--out', 'tls'], { cwd: certs.dir });
    assert.equal(cert.error, undefined, cert.stderr);
    const tlsFiles = { certFile: join(certs.dir, 'tls', 'server.pem'), keyFile: join(certs.dir, 'tls', 'server-key.pem') };
    const cases = [
      { name: 'http', listen: {}, expect: (port: number) => new RegExp(`^ok: http://127\\.0\\.0\\.1:${port}/ping answered 200\n$`) },
      { name: 'https', listen: { tls: tlsFiles }, expect: (port: number) => new RegExp(`^ok: https://127\\.0\\.0\\.1:${port}/ping answered 200\n$`) },
      {
        name: 'mtls',
        listen: { tls: { ...tlsFiles, clientAuth: { caFile: join(certs.dir, 'tls', 'ca.pem'), allowedSubjects: ['cks.kms.*.amazonaws.com'] } } },
        expect: (port: number) => new RegExp(`^ok: 127\\.0\\.0\\.1:${port} completed a TLS handshake \\(mTLS is on`),
      },
    ];
    let lastPort = 0;
    for (const c of cases) {
      const running = await startInProcessProxy({ keys: [testKey('key-1')], config: () => ({ listen: { host: '127.0.0.1', port: 0, ...c.listen } }) });
      try {
        lastPort = running.proxy.port;
        const run = await runCli(['healthcheck', '--config', running.dir.configPath, '--port', String(lastPort)], { cwd: running.dir.dir });
        assert.equal(run.error, undefined, `${c.name}: ${run.error?.message}`);
        assert.match(run.stdout, c.expect(lastPort), c.name);
      } finally {
        await running.stop();
      }
    }
    const down = await runCli(['healthcheck', '--config', certs.configPath, '--port', String(lastPort)], { cwd: certs.dir });
    assert.match(down.error?.message ?? '', new RegExp(`^http://127\\.0\\.0\\.1:${lastPort}/ping: connection refused`));
  } finally {
    certs.cleanup();
  }
});
