/**
 * `xks check` against this proxy started as a real process (`xks serve`), over plain HTTP and over TLS with mTLS
 * (certificates made by openssl). The checker signs with the project's client shared with the KMS emulator;
 * the proxy is a separate process, so nothing is shared at run time.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CaseResult } from '../../src/check/check-case.js';
import type { CheckReport } from '../../src/check/run-check.js';
import { createCertDir, type CertDir } from '../support/certs.js';
import { createTempProxyDir, startProxyProcess, type ProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { runCli } from '../support/run-cli.js';
import { DEFAULT_TEST_KEYS, TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET } from '../support/test-app.js';

const SECOND_ACCESS_KEY_ID = 'AKIAI2SFODNN7SECOND2';
const SECOND_SECRET = 'c2Vjb25kIHNlY3JldCBmb3IgeGtzIGNoZWNrIHJvdGF0aW9uIQ==';

/** Two credentials (rotation) and the five test keys: usage and state variants. */
function proxyDir(listen: Record<string, unknown>): TempProxyDir {
  return createTempProxyDir({
    keys: DEFAULT_TEST_KEYS,
    logLevel: 'warn',
    extraConfig: {
      listen,
      // A deep health check slower than slowMs is DEGRADED; a loaded test machine must not make that a finding.
      healthCheck: { slowMs: 10_000 },
      keyStores: [
        {
          name: 'e2e',
          uriPrefix: '/tenant-a',
          regions: [TEST_REGION],
          credentials: [
            { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET },
            { accessKeyId: SECOND_ACCESS_KEY_ID, secretAccessKey: SECOND_SECRET },
          ],
          keyDirectory: 'keys',
        },
      ],
    },
  });
}

const KEY_ARGS = [
  '--uri-path', '/tenant-a/kms/xks/v1',
  '--access-key-id', TEST_ACCESS_KEY_ID,
  '--key-id', 'key-1',
  '--encrypt-only-key', 'key-encrypt-only',
  '--decrypt-only-key', 'key-decrypt-only',
  '--key-without-usage', 'key-no-usage',
  '--disabled-key', 'key-disabled',
  '--second-access-key-id', SECOND_ACCESS_KEY_ID,
  '--latency-samples', '10',
  // Not a test of the proxy's speed: a loaded test machine must not fail latency.* (faults-check-probe proves the
  // 250 ms verdict against a fault that delays by 400 ms).
  '--latency-budget-ms', '30000',
];
const ENV = { XKS_SECRET_ACCESS_KEY: TEST_SECRET, XKS_SECOND_SECRET_ACCESS_KEY: SECOND_SECRET };

const failures = (report: CheckReport, statuses: readonly string[]): string[] =>
  report.results.filter((c) => statuses.includes(c.status)).map((c) => `${c.id}: ${c.detail}`);

function byId(report: CheckReport): Map<string, CaseResult> {
  return new Map(report.results.map((r) => [r.id, r]));
}

describe('e2e: xks check against xks serve', { timeout: 240_000 }, () => {
  let certs: CertDir;
  const dirs: TempProxyDir[] = [];
  const procs: ProxyProcess[] = [];
  let httpUrl: string;
  let httpsUrl: string;
  const tls: Record<string, string> = {};

  before(async () => {
    certs = createCertDir();
    const serverCa = certs.ca('server-ca');
    const clientCa = certs.ca('client-ca');
    const server = certs.issue('server', { ca: serverCa, cn: 'localhost', usage: 'server', days: 90 });
    const client = certs.issue('kms-client', { ca: clientCa, cn: 'cks.kms.us-east-1.amazonaws.com', usage: 'client' });
    Object.assign(tls, { ca: serverCa.cert, cert: client.cert, key: client.key });
    const plain = proxyDir({ host: '127.0.0.1', port: 0 });
    const secure = proxyDir({
      host: '127.0.0.1',
      port: 0,
      tls: { certFile: server.cert, keyFile: server.key, clientAuth: { caFile: clientCa.cert, allowedSubjects: ['cks.kms.*.amazonaws.com'] } },
    });
    dirs.push(plain, secure);
    const [a, b] = await Promise.all([plain, secure].map((d) => startProxyProcess(['serve', '--config', d.configPath, '--no-watch'], { timeoutMs: 90_000 })));
    procs.push(a as ProxyProcess, b as ProxyProcess);
    httpUrl = (a as ProxyProcess).url;
    httpsUrl = (b as ProxyProcess).url.replace('127.0.0.1', 'localhost');
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    for (const d of dirs) d.cleanup();
    certs?.cleanup();
  });

  it('plain HTTP: every MUST case that HTTP allows passes; TLS cases are skipped with the reason; JUnit written', async () => {
    const dir = dirs[0] as TempProxyDir;
    const junit = join(dir.dir, 'check.xml');
    const r = await runCli(['check', '--endpoint', httpUrl, ...KEY_ARGS, '--json', '--junit', junit], { cwd: dir.dir, env: ENV });
    assert.equal(r.error, undefined, r.stderr);
    const report = JSON.parse(r.stdout) as CheckReport;
    const results = byId(report);
    assert.deepEqual(failures(report, ['fail', 'warn']), []);
    assert.equal(r.exitCode, 0);
    assert.equal(report.passed, true);
    for (const c of report.results.filter((x) => x.id.startsWith('tls.') || x.id.startsWith('mtls.'))) {
      assert.equal(c.status, 'skip', c.id);
      assert.match(c.detail, /http/);
    }
    // Inputs given, so nothing else is skipped: the key-usage, disabled-key and rotation cases ran.
    for (const id of ['usage.encrypt-only-key', 'usage.decrypt-only-key', 'usage.no-usage-key', 'state.disabled-key', 'auth.second-credential']) {
      assert.equal(results.get(id)?.status, 'pass', id);
    }
    assert.match(results.get('latency.encrypt')?.detail ?? '', /^p50 \d+ ms, p99 \d+ ms, max \d+ ms over 10 calls \(budget 30000 ms\)$/);
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, new RegExp(`<testsuite name="xks check" tests="${report.results.length}" failures="0"`));
    assert.match(xml, /<testcase classname="xks\.check\.encrypt" name="encrypt\.round-trip \[MUST A5,A6,A9/);
  });

  it('TLS with mTLS: versions, spec suites only, chain, host name, refusal without a client certificate; only the private CA is a warning', async () => {
    const dir = dirs[1] as TempProxyDir;
    const args = ['check', '--endpoint', httpsUrl, ...KEY_ARGS, '--ca-file', tls['ca'] ?? '', '--client-cert', tls['cert'] ?? '', '--client-key', tls['key'] ?? '', '--json'];
    const r = await runCli(args, { cwd: dir.dir, env: ENV });
    assert.equal(r.error, undefined, r.stderr);
    const report = JSON.parse(r.stdout) as CheckReport;
    const results = byId(report);
    assert.deepEqual(failures(report, ['fail']), []);
    assert.equal(r.exitCode, 0);
    for (const id of ['tls.https', 'tls.versions', 'tls.spec-suite', 'tls.only-spec-suites', 'tls.certificate-chain', 'tls.host-name', 'tls.expiry-30-days', 'mtls.refuses-anonymous-client']) {
      assert.equal(results.get(id)?.status, 'pass', `${id}: ${results.get(id)?.detail}`);
    }
    // The test CA is private: KMS would not trust it. A SHOULD finding, so a warning, not a failure.
    assert.equal(results.get('tls.public-ca')?.status, 'warn');
    assert.deepEqual(report.results.filter((c) => c.status === 'skip').map((c) => c.id), []);
  });

  it('TLS: without --ca-file the chain case fails (a MUST), and the exit code is 1', async () => {
    const dir = dirs[1] as TempProxyDir;
    const r = await runCli(
      ['check', '--endpoint', httpsUrl, ...KEY_ARGS, '--client-cert', tls['cert'] ?? '', '--client-key', tls['key'] ?? '', '--only', 'tls.certificate-chain', '--only', 'health.report'],
      { cwd: dir.dir, env: ENV },
    );
    assert.equal(r.exitCode, 1);
    assert.match(r.stdout, /FAIL {2}MUST {3}tls\.certificate-chain .*certificate not trusted/);
    assert.match(r.stdout, /FAIL {2}MUST {3}health\.report .*tls failure/);
    assert.match(r.stdout, /0 passed, 2 failed/);
  });

  it('probe over TLS with mTLS: OK (0) with the CA and client certificate; expiring within --cert-warn-days -> WARNING (1); untrusted CA -> CRITICAL (2)', async () => {
    const dir = dirs[1] as TempProxyDir;
    const base = ['probe', '--endpoint', httpsUrl, '--uri-path', '/tenant-a/kms/xks/v1', '--access-key-id', TEST_ACCESS_KEY_ID, '--client-cert', tls['cert'] ?? '', '--client-key', tls['key'] ?? '', '--warn-ms', '30000', '--timeout-ms', '30000'];
    // --warn-ms and --timeout-ms 30000: a loaded test machine must not turn OK into WARNING (or CRITICAL); the
    // verdicts tested here are the certificate's.
    const ok = await runCli([...base, '--ca-file', tls['ca'] ?? '', '--json'], { cwd: dir.dir, env: ENV });
    assert.equal(ok.exitCode, 0, ok.stdout);
    const days = (JSON.parse(ok.stdout) as { certificate: { daysLeft: number } }).certificate.daysLeft;
    assert.ok(days >= 88 && days <= 90, String(days));
    const expiring = await runCli([...base, '--ca-file', tls['ca'] ?? '', '--cert-warn-days', '100'], { cwd: dir.dir, env: ENV });
    assert.equal(expiring.exitCode, 1, expiring.stdout);
    assert.match(expiring.stdout, /^XKS WARNING - .*certificate expires in \d+ days/);
    const untrusted = await runCli(base, { cwd: dir.dir, env: ENV });
    assert.equal(untrusted.exitCode, 2, untrusted.stdout);
    assert.match(untrusted.stdout, /^XKS CRITICAL - .*tls failure/);
  });

  it('unusable arguments: exit 2, every problem listed, the secret never taken from argv', async () => {
    const r = await runCli(['check', '--endpoint', 'ftp://x', '--access-key-id', 'lower'], { cwd: (dirs[0] as TempProxyDir).dir, env: {} });
    assert.equal(r.exitCode, 2);
    for (const p of [/--key-id is required/, /--endpoint must be/, /--access-key-id must be/, /no secret: give --secret-file FILE or set XKS_SECRET_ACCESS_KEY/]) assert.match(r.stderr, p);
  });
});
