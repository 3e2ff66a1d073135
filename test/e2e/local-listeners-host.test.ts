/**
 * Issue 21, finding 1, as reported: DNS rebinding against real processes with the real curl binary. A request to
 * 127.0.0.1 under `Host: attacker.example:<port>` (what a browser sends after the attacker's name was rebound to
 * 127.0.0.1) reaches neither the emulator's API (`curl --aws-sigv4`, any well-formed signature) nor the proxy's
 * admin listener (`PUT /faults` with --allow-faults); the same requests under the loopback address are answered.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { createTempProxyDir, startProxyProcess, type ProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { testKey } from '../support/test-app.js';

let dir: TempProxyDir;
let emulator: ProxyProcess;
let proxy: ProxyProcess;
let adminUrl = '';

function curl(args: readonly string[]): Promise<{ status: string; body: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', ...args], { encoding: 'utf8', timeout: 20_000 }, (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`curl: ${stderr}`));
      const i = stdout.lastIndexOf('\n');
      resolve({ body: stdout.slice(0, i), status: stdout.slice(i + 1) });
    });
  });
}

before(async () => {
  dir = createTempProxyDir({ keys: [testKey('k1')], extraConfig: { admin: { host: '127.0.0.1', port: 0 } } });
  [emulator, proxy] = await Promise.all([
    startProxyProcess(['kms', '--port', '0', '--state', ':memory:', '--dns', 'static'], { timeoutMs: 60_000 }),
    startProxyProcess(['serve', '--config', dir.configPath, '--allow-faults'], { timeoutMs: 60_000 }),
  ]);
  adminUrl = /admin listener \(xks status\) on (\S+)/.exec(proxy.stderr())?.[1] ?? '';
  assert.notEqual(adminUrl, '');
});
after(async () => {
  await Promise.all([emulator?.stop(), proxy?.stop()]);
  dir?.cleanup();
});

test('emulator: curl --aws-sigv4 DescribeCustomKeyStores under Host attacker.example -> 400 AccessDeniedException; under 127.0.0.1 -> 200', async () => {
  const port = new URL(emulator.url).port;
  const call = (host: string[]) =>
    curl([
      '--aws-sigv4', 'aws:amz:us-east-1:kms', '--user', 'AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', ...host,
      '-H', 'X-Amz-Target: TrentService.DescribeCustomKeyStores', '-H', 'Content-Type: application/x-amz-json-1.1', '-d', '{}', `${emulator.url}/`,
    ]);
  const rebound = await call(['-H', `Host: attacker.example:${port}`]);
  assert.equal(rebound.status, '400', rebound.body);
  assert.equal((JSON.parse(rebound.body) as { __type: string }).__type, 'AccessDeniedException');
  const local = await call([]);
  assert.equal(local.status, '200', local.body);
  assert.ok(Array.isArray((JSON.parse(local.body) as { CustomKeyStores: unknown }).CustomKeyStores));
  const status = JSON.parse((await curl([`${emulator.url}/_emulator/status`])).body) as { refusedHosts: number };
  assert.equal(status.refusedHosts, 1);
});

test('proxy admin (--allow-faults): curl -X PUT /faults under Host attacker.example -> 403, no fault set; under 127.0.0.1 -> 200', async () => {
  const port = new URL(adminUrl).port;
  const rule = '[{"fault":{"type":"health-status","healthStatus":"UNAVAILABLE"}}]';
  const rebound = await curl(['-X', 'PUT', '-H', `Host: attacker.example:${port}`, '-H', 'Content-Type: application/json', '-d', rule, `${adminUrl}/faults`]);
  assert.equal(rebound.status, '403', rebound.body);
  const listed = JSON.parse((await curl([`${adminUrl}/faults`])).body) as { faults: unknown[] };
  assert.deepEqual(listed.faults, []);
  const local = await curl(['-X', 'PUT', '-H', 'Content-Type: application/json', '-d', '[]', `${adminUrl}/faults`]);
  assert.equal(local.status, '200', local.body);
  assert.equal((JSON.parse((await curl([`${adminUrl}/status`])).body) as { refusedHosts: number }).refusedHosts, 1);
});
