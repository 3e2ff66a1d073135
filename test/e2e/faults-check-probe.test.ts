/**
 * Fault injection in a real `xks serve --allow-faults` process: each fault, set at run time with `xks faults set`
 * through the admin listener, makes `xks check` fail with the case that names it, and gives `xks probe` the
 * exit code of its verdict (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createAdminApp } from '../../src/proxy/admin/create-admin-app.js';
import type { CheckReport } from '../../src/check/run-check.js';
import type { ProxyStatus } from '../../src/proxy/admin/proxy-status.js';
import { createTempProxyDir, MAIN_TS, startProxyProcess, TSX_LOADER, type ProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { pollUntil } from '../support/poll-until.js';
import { runCli } from '../support/run-cli.js';
import { DEFAULT_TEST_KEYS, TEST_ACCESS_KEY_ID, TEST_SECRET } from '../support/test-app.js';

const ENV = { XKS_SECRET_ACCESS_KEY: TEST_SECRET };

describe('e2e: injected faults -> xks check names the case, xks probe exit codes', { timeout: 240_000 }, () => {
  let dir: TempProxyDir;
  let proxy: ProxyProcess;
  let url: string;
  let admin: string;

  before(async () => {
    dir = createTempProxyDir({ keys: DEFAULT_TEST_KEYS, logLevel: 'info', extraConfig: { admin: { host: '127.0.0.1', port: 0 }, healthCheck: { slowMs: 10_000 } } });
    proxy = await startProxyProcess(['serve', '--config', dir.configPath, '--no-watch', '--allow-faults'], { ready: /xks-proxy listening on (http:\/\/\S+)/, timeoutMs: 90_000 });
    url = proxy.url;
    admin = /admin listener \(xks status\) on (http:\/\/\S+)/.exec(proxy.stderr())?.[1] ?? '';
  });
  after(async () => {
    await proxy?.stop();
    dir?.cleanup();
  });

  const faults = async (...args: string[]): Promise<string> => {
    const r = await runCli(['faults', ...args, '--url', admin], { cwd: dir.dir });
    assert.equal(r.error, undefined, r.error?.message);
    return r.stdout;
  };
  // --latency-budget-ms 30000: a loaded test machine must not fail latency.* when no latency fault is set; the test
  // about the latency verdict passes KMS's 250 after it (the last one wins), against a fault that delays by 400 ms.
  const checkWith = async (extra: readonly string[], only: readonly string[]): Promise<{ report: CheckReport; exitCode: number | undefined }> => {
    const args = ['check', '--endpoint', url, '--access-key-id', TEST_ACCESS_KEY_ID, '--key-id', 'key-1', '--latency-samples', '3', '--latency-budget-ms', '30000', ...extra];
    const r = await runCli([...args, '--json', ...only.flatMap((o) => ['--only', o])], { cwd: dir.dir, env: ENV });
    return { report: JSON.parse(r.stdout) as CheckReport, exitCode: r.exitCode };
  };
  const check = (...only: string[]) => checkWith([], only);
  const probe = async (...extra: string[]): Promise<{ exitCode: number | undefined; line: string }> => {
    // --warn-ms and --timeout-ms 30000: a loaded test machine must not turn OK into WARNING or CRITICAL (the latency
    // row passes its own 250); a test about the timeout passes its own --timeout-ms after these (the last one wins).
    const r = await runCli(['probe', '--endpoint', url, '--access-key-id', TEST_ACCESS_KEY_ID, '--warn-ms', '30000', '--timeout-ms', '30000', ...extra], { cwd: dir.dir, env: ENV });
    return { exitCode: r.exitCode, line: r.stdout.trim() };
  };
  const status = (report: CheckReport, id: string) => report.results.find((r) => r.id === id);

  it('no fault: check of the fault-sensitive cases passes, probe OK (0); the start was logged loudly', async () => {
    assert.match(await faults('clear'), /no fault rules/);
    const { report, exitCode } = await check('health.', 'encrypt.', 'latency.get-health-status');
    assert.deepEqual(report.results.filter((r) => r.status !== 'pass').map((r) => r.id), []);
    assert.equal(exitCode, 0);
    const p = await probe('--key-id', 'key-1');
    assert.equal(p.exitCode, 0, p.line);
    assert.match(p.line, /^XKS OK - .*fleet in-process-1=ACTIVE \| GetHealthStatus=\d+ms;30000 GetKeyMetadata=\d+ms;30000 Encrypt=\d+ms;30000 Decrypt=\d+ms;30000$/);
    assert.match(proxy.stdout(), /"reason":"start","msg":"FAULT INJECTION ENABLED \(--allow-faults\): 0 rule\(s\) active/);
  });

  // fault (xks faults set args) -> the check case that must fail, what its detail says, and the probe's verdict.
  const rows: { fault: string[]; failing: string; detail: RegExp; probe: number; probeArgs?: string[]; only?: string[]; checkArgs?: string[] }[] = [
    { fault: ['error:InternalException', '--operation', 'Encrypt'], failing: 'encrypt.round-trip', detail: /HTTP 500 InternalException/, probe: 2, probeArgs: ['--key-id', 'key-1'] },
    { fault: ['error:ThrottlingException', '--operation', 'GetHealthStatus'], failing: 'health.report', detail: /HTTP 429 ThrottlingException/, probe: 2 },
    { fault: ['malformed-body', '--operation', 'GetHealthStatus'], failing: 'health.report', detail: /malformed-response: response body is not a JSON object/, probe: 2 },
    { fault: ['truncated-body', '--operation', 'Encrypt'], failing: 'encrypt.round-trip', detail: /Encrypt: tcp failure/, probe: 2, probeArgs: ['--key-id', 'key-1'] },
    { fault: ['wrong-cdiv', '--key', 'key-1'], failing: 'encrypt.round-trip', detail: /cdiv-mismatch/, probe: 2, probeArgs: ['--key-id', 'key-1'] },
    { fault: ['flip-ciphertext-bit', '--operation', 'Encrypt'], failing: 'encrypt.required-fields-only', detail: /Decrypt of the Encrypt answer: HTTP 400 InvalidCiphertextException/, probe: 2, probeArgs: ['--key-id', 'key-1'] },
    { fault: ['drop-connection', '--operation', 'GetHealthStatus'], failing: 'health.report', detail: /tcp failure: ECONNRESET/, probe: 2 },
    { fault: ['health:UNAVAILABLE'], failing: 'health.not-all-unavailable', detail: /every key manager reports UNAVAILABLE/, probe: 2 },
    { fault: ['latency:400', '--operation', 'GetHealthStatus'], failing: 'latency.get-health-status', detail: /p50 \d{3,} ms.*\(budget 250 ms\)/, probe: 1, probeArgs: ['--warn-ms', '250'], only: ['latency.get-health-status'], checkArgs: ['--latency-budget-ms', '250'] },
  ];
  for (const row of rows) {
    it(`fault ${row.fault.join(' ')} -> check fails ${row.failing} (exit 1), probe exit ${row.probe}`, async () => {
      assert.match(await faults('set', ...row.fault), /^1\. /);
      const { report, exitCode } = await checkWith(row.checkArgs ?? [], row.only ?? ['health.', 'encrypt.', 'latency.get-health-status']);
      const c = status(report, row.failing);
      assert.equal(c?.status, 'fail', `${row.failing}: ${c?.detail}`);
      assert.match(c?.detail ?? '', row.detail);
      assert.equal(exitCode, 1);
      const p = await probe(...(row.probeArgs ?? []));
      assert.equal(p.exitCode, row.probe, p.line);
      assert.match(p.line, row.probe === 1 ? /^XKS WARNING - / : /^XKS CRITICAL - /);
      await faults('clear');
    });
  }

  it('latency:400 with --latency-budget-ms 10000 -> latency.get-health-status passes, its detail naming that budget (exit 0)', async () => {
    assert.match(await faults('set', 'latency:400', '--operation', 'GetHealthStatus'), /^1\. /);
    const { report, exitCode } = await checkWith(['--latency-budget-ms', '10000'], ['latency.get-health-status']);
    const c = status(report, 'latency.get-health-status');
    assert.equal(c?.status, 'pass', c?.detail);
    assert.match(c?.detail ?? '', /^p50 \d{3,} ms, .*\(budget 10000 ms\)$/);
    assert.equal(exitCode, 0);
    await faults('clear');
  });

  it('health:DEGRADED -> check passes with a warning on health.all-active (exit 0), probe WARNING (1); slower than --timeout-ms -> CRITICAL (2)', async () => {
    await faults('set', 'health:DEGRADED');
    const { report, exitCode } = await check('health.');
    assert.equal(status(report, 'health.all-active')?.status, 'warn');
    assert.equal(exitCode, 0);
    const p = await probe('--format', 'prometheus');
    assert.equal(p.exitCode, 1);
    assert.match(p.line, /^xks_probe_status\{endpoint="[^"]+"\} 1$/m);
    assert.match(p.line, /^xks_probe_ekm_health_status\{endpoint="[^"]+",id="in-process-1",status="DEGRADED"\} 1$/m);
    await faults('set', 'latency:600');
    const t = await probe('--timeout-ms', '300', '--json');
    assert.equal(t.exitCode, 2);
    assert.match((JSON.parse(t.line) as { reasons: string[] }).reasons[0] ?? '', /timeout failure: no complete answer within 300 ms/);
    await faults('clear');
  });

  it('a fault with probability 0.5 fires on some requests and not on others (12 probes; the rate itself: the unit test)', async () => {
    await faults('set', 'error:InternalException', '--operation', 'GetHealthStatus', '--probability', '0.5');
    const codes = new Set<number | undefined>();
    // All 12 alike has probability 2 * 0.5^12 < 0.001.
    for (let i = 0; i < 12; i++) codes.add((await probe()).exitCode);
    assert.deepEqual([...codes].sort(), [0, 2]);
    await faults('clear');
  });

  it('a wrong secret -> probe CRITICAL naming AuthenticationFailedException; unusable arguments -> UNKNOWN (3) from the real process', async () => {
    const wrong = await runCli(['probe', '--endpoint', url, '--access-key-id', TEST_ACCESS_KEY_ID], { cwd: dir.dir, env: { XKS_SECRET_ACCESS_KEY: 'd3Jvbmcgc2VjcmV0IGZvciB4a3MgcHJvYmUgdGVzdHMgISEh' } });
    assert.equal(wrong.exitCode, 2);
    assert.match(wrong.stdout, /HTTP 401 AuthenticationFailedException/);
    // An unknown option (commander's error) and a missing credential (the command's own check).
    for (const args of [['--bogus'], ['--endpoint', url, '--format', 'xml']]) {
      const r = spawnSync(process.execPath, ['--import', TSX_LOADER, MAIN_TS, 'probe', ...args], { encoding: 'utf8', env: { ...process.env, ...ENV }, timeout: 120_000 });
      assert.equal(r.status, 3, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    }
  });

  it('probe --watch 1: one line per round until SIGTERM; the exit code is the last verdict (a fault set between rounds)', async () => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, MAIN_TS, 'probe', '--endpoint', url, '--access-key-id', TEST_ACCESS_KEY_ID, '--warn-ms', '2000', '--watch', '1'], {
      env: { ...process.env, ...ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const lines = async (n: number) => {
        const seen = () => out.split('\n').filter((l) => l !== '');
        await pollUntil(`${n} probe line(s)`, () => seen().length >= n, { intervalMs: 50, timeoutMs: 60_000, describe: () => out });
        return seen();
      };
      assert.match((await lines(1))[0] ?? '', /^XKS OK - /);
      await faults('set', 'health:DEGRADED');
      const seen = await lines(3);
      assert.match(seen.at(-1) ?? '', /^XKS WARNING - .*DEGRADED/);
    } finally {
      child.kill('SIGTERM');
      await faults('clear');
    }
    assert.equal(await exited, 1);
  });

  it('a configuration with faults is refused without --allow-faults (the process exits and says why); /faults is 403 then', async () => {
    const cfg = join(dir.dir, 'with-faults.json');
    writeFileSync(cfg, JSON.stringify({ ...JSON.parse(JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, keyStores: [{ name: 'e2e', uriPrefix: '', regions: ['us-east-1'], credentials: [{ accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET }], keyDirectory: 'keys' }] })), faults: [{ fault: { type: 'drop-connection' } }] }));
    const r = spawnSync(process.execPath, ['--import', TSX_LOADER, MAIN_TS, 'serve', '--config', cfg, '--no-watch'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /fault injection is configured, but xks serve was not started with --allow-faults/);
    const app = createAdminApp({ status: () => ({}) as ProxyStatus });
    const res = await request(app).put('/faults').send([{ fault: { type: 'drop-connection' } }]);
    assert.equal(res.status, 403);
    assert.match(String(res.body.error), /--allow-faults/);
  });
});
