/**
 * `xks check --for-kms` against a real `xks serve` process serving a certificate of a private (test) CA, trusted by
 * the checker through --ca-file: plain `xks check` only warns about tls.public-ca (SHOULD, exit 0); with --for-kms
 * the same case is a MUST, fails, and the exit status is 1. The failing line is the one docs/deploy-for-kms.md shows.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CheckReport } from '../../src/check/run-check.js';
import { createCertDir, type CertDir } from '../support/certs.js';
import { createTempProxyDir, REPO_ROOT, startProxyProcess, type ProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { runCli } from '../support/run-cli.js';
import { TEST_ACCESS_KEY_ID, TEST_SECRET, testKey } from '../support/test-app.js';

describe('e2e: xks check --for-kms', { timeout: 120_000 }, () => {
  let certs: CertDir;
  let dir: TempProxyDir;
  let proxy: ProxyProcess;
  let args: string[];

  before(async () => {
    certs = createCertDir();
    const ca = certs.ca('private-ca');
    const server = certs.issue('server', { ca, cn: 'localhost', usage: 'server', days: 90 });
    dir = createTempProxyDir({ keys: [testKey('key-1')], logLevel: 'warn', extraConfig: { listen: { host: '127.0.0.1', port: 0, tls: { certFile: server.cert, keyFile: server.key } } } });
    proxy = await startProxyProcess(['serve', '--config', dir.configPath, '--no-watch'], { timeoutMs: 60_000 });
    args = ['check', '--endpoint', proxy.url.replace('127.0.0.1', 'localhost'), '--access-key-id', TEST_ACCESS_KEY_ID, '--key-id', 'key-1', '--ca-file', ca.cert,
      '--only', 'tls.certificate-chain', '--only', 'tls.public-ca', '--only', 'tls.host-name'];
  });
  after(async () => {
    await proxy?.stop();
    dir?.cleanup();
    certs?.cleanup();
  });

  const env = { XKS_SECRET_ACCESS_KEY: TEST_SECRET };

  it('without --for-kms: the private CA is a SHOULD warning, exit 0', async () => {
    const r = await runCli(args, { cwd: dir.dir, env });
    assert.equal(r.error, undefined, r.stderr);
    assert.equal(r.exitCode, 0, r.stdout);
    assert.match(r.stdout, /WARN {2}SHOULD tls\.public-ca .*trusted only through --ca-file/);
    assert.match(r.stdout, /PASS {2}MUST {3}tls\.certificate-chain/);
  });

  it('with --for-kms: tls.public-ca is a MUST and fails, exit 1; the chain and host name still pass; the line is the page\'s', async () => {
    const r = await runCli([...args, '--for-kms'], { cwd: dir.dir, env });
    assert.equal(r.error, undefined, r.stderr);
    assert.equal(r.exitCode, 1, r.stdout);
    const line = r.stdout.split('\n').find((l) => l.includes('tls.public-ca'))?.replace(/^\[[ \d]+\/\d+\] /, '');
    assert.match(line ?? '', /^FAIL {2}MUST {3}tls\.public-ca /);
    assert.match(r.stdout, /PASS {2}MUST {3}tls\.certificate-chain/);
    assert.match(r.stdout, /PASS {2}MUST {3}tls\.host-name/);
    const page = readFileSync(join(REPO_ROOT, 'docs', 'deploy-for-kms.md'), 'utf8');
    assert.ok(page.includes(`\n${line ?? '(none)'}\n`), `docs/deploy-for-kms.md shows: ${line}`);
  });

  it('with --for-kms --json: the case is reported with level MUST and status fail; passed is false', async () => {
    const r = await runCli([...args, '--for-kms', '--json'], { cwd: dir.dir, env });
    const report = JSON.parse(r.stdout) as CheckReport;
    const c = report.results.find((x) => x.id === 'tls.public-ca');
    assert.equal(c?.level, 'MUST');
    assert.equal(c?.status, 'fail');
    assert.equal(report.passed, false);
  });

  it('with --for-kms an http:// endpoint fails tls.https (KMS calls only https), where plain xks check skips it', async () => {
    const http = ['check', '--endpoint', proxy.url.replace('https://', 'http://'), '--access-key-id', TEST_ACCESS_KEY_ID, '--key-id', 'key-1', '--only', 'tls.https'];
    const strict = await runCli([...http, '--for-kms'], { cwd: dir.dir, env });
    assert.equal(strict.exitCode, 1, strict.stdout);
    assert.match(strict.stdout, /FAIL {2}MUST {3}tls\.https .*an http:\/\/ endpoint: KMS calls only https/);
    const plain = await runCli(http, { cwd: dir.dir, env });
    assert.equal(plain.exitCode, 0, plain.stdout);
    assert.match(plain.stdout, /SKIP .*tls\.https/);
  });

  it('--for-kms --list: tls.public-ca is listed as a MUST (a SHOULD without the flag)', async () => {
    const strict = await runCli(['check', '--list', '--for-kms'], { cwd: dir.dir });
    const plain = await runCli(['check', '--list'], { cwd: dir.dir });
    assert.match(strict.stdout, /^tls\.public-ca +MUST /m);
    assert.match(plain.stdout, /^tls\.public-ca +SHOULD /m);
  });
});
