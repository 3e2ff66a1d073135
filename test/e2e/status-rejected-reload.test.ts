/**
 * `xks status` is needed most when a reload was rejected, and then the configuration on disk is the broken one.
 * A real `xks serve` process; its configuration is replaced by one that is not JSON (the admin section still names
 * the port the proxy listens on); SIGHUP is rejected; `xks status --config` still answers, says RELOAD REJECTED
 * with the line and column of the mistake, and `--pid` names the process that was signalled.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { createTempProxyDir, MAIN_TS, startProxyProcess, TSX_LOADER } from '../support/proxy-process.js';
import { pollUntil } from '../support/poll-until.js';
import { testKey } from '../support/test-app.js';

function xks(args: readonly string[]) {
  const r = spawnSync(process.execPath, ['--import', TSX_LOADER, MAIN_TS, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, XKS_CONFIG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('xks status: a rejected reload (config no longer JSON) -> status still answers, names the problem with line and column; --pid', { timeout: 180_000 }, async () => {
  const dir = createTempProxyDir({ keys: [testKey('k1')], extraConfig: { admin: { host: '127.0.0.1', port: 0 } } });
  const proxy = await startProxyProcess(['serve', '--config', dir.configPath, '--no-watch'], { timeoutMs: 90_000 });
  try {
    const adminPort = Number(/admin listener \(xks status\) on http:\/\/127\.0\.0\.1:(\d+)/.exec(proxy.stderr())?.[1]);
    assert.ok(adminPort > 0, proxy.stderr());
    assert.match(proxy.stderr(), new RegExp(`xks-proxy listening on \\S+ {2}\\(pid ${proxy.child.pid}; configuration: `));
    const good = JSON.parse(readFileSync(dir.configPath, 'utf8')) as Record<string, unknown>;
    const text = JSON.stringify({ ...good, admin: { host: '127.0.0.1', port: adminPort } }, null, 2);
    writeFileSync(dir.configPath, text.replace('"keyStores": [', '"keyStores": [,'));
    // At once, on seeing the banner: the proxy handles SIGHUP from then on (it used to install the handler after
    // printing the banner, and a SIGHUP in between ended the process, Node's default: 2 runs in 3 here).
    proxy.child.kill('SIGHUP');
    await pollUntil('the rejected reload in the log', () => proxy.stdout().includes('reload rejected'), {
      timeoutMs: 60_000,
      describe: () => `exit ${proxy.child.exitCode ?? proxy.child.signalCode}; stdout ${proxy.stdout().slice(-500)}`,
    });
    const status = xks(['status', '--config', dir.configPath]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^pid ${proxy.child.pid} {2}configuration `));
    assert.match(status.stdout, /RELOAD REJECTED at .*\n {2}problem: not valid JSON: .*\(line \d+, column \d+\)/);
    const pid = xks(['status', '--config', dir.configPath, '--pid']);
    assert.equal(pid.stdout, `${proxy.child.pid}\n`, pid.stderr);
  } finally {
    await proxy.stop();
    dir.cleanup();
  }
});
