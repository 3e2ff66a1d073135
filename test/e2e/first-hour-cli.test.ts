/**
 * The CLI never strands a newcomer (issue: first hour): `xks --version`, `npx xks` in a checkout, a port in use
 * named with the option that moves it (exit 1, nothing left running), SIGINT/SIGTERM stop every long-running
 * command, `--proxy-port`, and `xks status` errors that name the URL and the cause. Real child processes on
 * 127.0.0.1; ports are taken by a plain TCP server the test holds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import type { Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createTempProxyDir, REPO_ROOT, startProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { runtimeEnv } from '../support/runtime-env.js';
import { testKey } from '../support/test-app.js';
import { occupyPort, runXks } from '../support/xks-child.js';

const VERSION = (JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { version: string }).version;
/** Generous: a loaded 2-core machine starts tsx children slowly. What is asserted is "exits", not how fast. */
const EXIT_MS = 60_000;

describe('e2e: the xks command for a newcomer', { timeout: 300_000 }, () => {
  let dir: TempProxyDir;
  let busy: { port: number; server: Server };
  before(async () => {
    dir = createTempProxyDir({ keys: [testKey('key-1')], extraConfig: { admin: { host: '127.0.0.1', port: 0 } } });
    busy = await occupyPort();
  });
  after(() => {
    busy.server.close();
    dir.cleanup();
  });

  it('xks --version prints the package version; `npx xks --version` works in a checkout', async () => {
    const run = await runXks(['--version'], { timeoutMs: EXIT_MS });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), `xks-proxy ${VERSION}`);
    // The spelling the docs use in a checkout: `npm ci` runs package.json's "prepare", which links bin/xks.js into
    // node_modules/.bin, where npx looks. Run that same script (idempotent) so a worktree installed before it existed
    // still proves the mechanism.
    const manifest = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
    assert.equal(manifest.bin['xks'], 'bin/xks.js');
    assert.equal(manifest.scripts['prepare'], 'node bin/link-local-bin.js');
    const link = spawnSync(process.execPath, ['bin/link-local-bin.js'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(link.status, 0, link.stderr);
    // npx, and the `#!/usr/bin/env node` of bin/xks.js it runs, find node on PATH: runtimeEnv() puts the test
    // runner's first, so on another Node.js line (scripts/test-on-node.sh) this proves `npx xks` on that line.
    const npx = spawnSync('npx', ['--no-install', 'xks', '--version'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, env: runtimeEnv() });
    assert.equal(npx.status, 0, `npx xks --version: ${npx.stderr}`);
    assert.equal(npx.stdout.trim(), `xks-proxy ${VERSION}`);
    const npxNode = spawnSync('npx', ['--no-install', '--', 'node', '-p', 'process.execPath'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, env: runtimeEnv() });
    assert.equal(npxNode.status, 0, npxNode.stderr);
    assert.equal(realpathSync(npxNode.stdout.trim()), realpathSync(process.execPath), 'the node npx runs bins with is the runner\'s');
  });

  it('port in use -> exit 1 with the port and the option that moves it, for serve, kms and kms --with-proxy', async () => {
    const p = String(busy.port);
    const [serve, serveAdmin, kms, withProxy, withProxyKms] = await Promise.all([
      runXks(['serve', '--config', 'config.json', '--port', p], { cwd: dir.dir, timeoutMs: EXIT_MS }),
      runXks(['serve', '--config', 'config.json', '--port', '0', '--admin-port', p], { cwd: dir.dir, timeoutMs: EXIT_MS }),
      runXks(['kms', '--port', p, '--state', ':memory:'], { cwd: dir.dir, timeoutMs: EXIT_MS }),
      runXks(['kms', '--with-proxy', '--proxy-config', 'config.json', '--proxy-port', p, '--port', '0', '--state', ':memory:'], { cwd: dir.dir, timeoutMs: EXIT_MS }),
      // The proxy starts, then the emulator cannot bind: the proxy must be stopped and the process must exit.
      runXks(['kms', '--with-proxy', '--proxy-config', 'config.json', '--proxy-port', '0', '--port', p, '--state', ':memory:'], { cwd: dir.dir, timeoutMs: EXIT_MS }),
    ]);
    const expectations: [typeof serve, RegExp][] = [
      [serve, new RegExp(`the XKS proxy cannot listen on 127\\.0\\.0\\.1:${p}: port ${p} is already in use.*--port P`)],
      [serveAdmin, new RegExp(`admin listener \\(xks status\\) cannot listen on 127\\.0\\.0\\.1:${p}: port ${p} is already in use.*--admin-port P`)],
      [kms, new RegExp(`the KMS emulator cannot listen on 127\\.0\\.0\\.1:${p}: port ${p} is already in use.*--port P`)],
      [withProxy, new RegExp(`the XKS proxy cannot listen on 127\\.0\\.0\\.1:${p}: port ${p} is already in use.*--proxy-port P`)],
      [withProxyKms, new RegExp(`the KMS emulator cannot listen on 127\\.0\\.0\\.1:${p}: port ${p} is already in use.*--port P`)],
    ];
    for (const [run, message] of expectations) {
      assert.equal(run.code, 1, `exit code ${run.code} (signal ${run.signal}); stderr:\n${run.stderr}`);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /Cannot read properties|EADDRINUSE\s*$/m);
    }
  });

  it('SIGINT and SIGTERM stop serve, kms and kms --with-proxy (exit 0); --proxy-port P moves the sandbox proxy to P', async () => {
    const free = await occupyPort();
    const proxyPort = free.port;
    await new Promise<void>((resolve) => free.server.close(() => resolve()));
    const kmsReady = /kms emulator listening on (http:\/\/\S+)/;
    const cases = [
      { signal: 'SIGTERM', args: ['serve', '--config', 'config.json', '--port', '0', '--admin-port', '0'], ready: undefined },
      { signal: 'SIGINT', args: ['kms', '--port', '0', '--state', ':memory:'], ready: kmsReady },
      { signal: 'SIGTERM', args: ['kms', '--with-proxy', '--proxy-config', 'config.json', '--proxy-port', '0', '--proxy-admin-port', '0', '--port', '0', '--state', ':memory:'], ready: kmsReady },
      { signal: 'SIGINT', args: ['kms', '--with-proxy', '--proxy-config', 'config.json', '--proxy-port', String(proxyPort), '--proxy-admin-port', '0', '--port', '0', '--state', ':memory:'], ready: kmsReady },
    ] as const;
    const started = await Promise.all(cases.map((c) => startProxyProcess(c.args, { cwd: dir.dir, timeoutMs: EXIT_MS, ...(c.ready !== undefined && { ready: c.ready }) })));
    const sandbox = started[3];
    try {
      assert.ok(sandbox);
      assert.match(sandbox.stderr(), new RegExp(`^proxy listening on http://127\\.0\\.0\\.1:${proxyPort}\\b`, 'm'));
      assert.match(sandbox.stderr(), new RegExp(`--xks-proxy-uri-endpoint http://127\\.0\\.0\\.1:${proxyPort} `));
      assert.match(sandbox.stderr(), /AWS CLI v1 run `aws configure set cli_follow_urlparam false`/);
      assert.equal((await fetch(`http://127.0.0.1:${proxyPort}/ping`)).status, 200);
    } finally {
      const exits = await Promise.all(
        started.map(
          (p, i) =>
            new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
              const timer = setTimeout(() => p.child.kill('SIGKILL'), EXIT_MS);
              p.child.once('exit', (code, sig) => {
                clearTimeout(timer);
                resolve({ code, signal: sig });
              });
              p.child.kill(cases[i]?.signal ?? 'SIGKILL');
            }),
        ),
      );
      for (const [i, exit] of exits.entries()) {
        assert.deepEqual(exit, { code: 0, signal: null }, `${cases[i]?.args.slice(0, 2).join(' ')} did not stop on ${cases[i]?.signal}: ${started[i]?.stderr()}`);
      }
    }
  });

  it('xks status: a failure names the URL and the cause', async () => {
    const p = busy.port; // a TCP server that never speaks HTTP: connection made, no HTTP answer
    const closed = await occupyPort();
    const refusedPort = closed.port;
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const [refused, notHttp] = await Promise.all([
      runXks(['status', '--url', `http://127.0.0.1:${refusedPort}`], { cwd: dir.dir, timeoutMs: EXIT_MS }),
      runXks(['status', '--url', `http://127.0.0.1:${p}`], { cwd: dir.dir, timeoutMs: EXIT_MS }),
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`http://127\\.0\\.0\\.1:${refusedPort}/status: connect ECONNREFUSED`));
    assert.equal(notHttp.code, 1);
    assert.match(notHttp.stderr, new RegExp(`http://127\\.0\\.0\\.1:${p}/status`));
  });
});

