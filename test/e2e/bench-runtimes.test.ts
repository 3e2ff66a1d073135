/**
 * `npm run bench -- --node <line|path>`: the bench's servers on another Node.js, side by side with this one. What
 * can be proven without a second runtime installed: a path resolves to its version, a line that is not installed
 * says how to install it, a server started with a runtime runs on that binary (/proc/<pid>/exe) and is named after
 * its version, and the table computes each proxy's efficiency against the floor of its own runtime.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatTable } from '../support/load/bench-report.js';
import { sampleRow } from '../support/load/sample-row.js';
import { resolveBenchRuntime, startProxyServer } from '../support/load/servers.js';

const row = sampleRow;

describe('bench --node: servers on another Node.js', () => {
  test('a path -> that binary and its version; an uninstalled line -> an error naming scripts/test-on-node.sh', () => {
    const runtime = resolveBenchRuntime(process.execPath);
    assert.deepEqual(runtime, { node: process.execPath, version: process.version });
    const emptyCache = mkdtempSync(join(tmpdir(), 'xks-node-cache-'));
    try {
      assert.throws(() => resolveBenchRuntime('99', { XKS_NODE_CACHE: emptyCache }), (e: Error) => {
        assert.ok(e.message.includes(join(emptyCache, '99', 'node_modules')), e.message);
        assert.ok(e.message.includes('scripts/test-on-node.sh 99 true'), e.message);
        return true;
      });
    } finally {
      rmSync(emptyCache, { recursive: true, force: true });
    }
  });

  test('a proxy started with a runtime -> runs on that binary, named proxy@<version>, answers', { timeout: 60_000 }, async () => {
    const runtime = resolveBenchRuntime(process.execPath);
    const proxy = await startProxyServer({ logLevel: 'warn', fromSource: true, runtime });
    try {
      assert.equal(proxy.name, `proxy@${process.version}`);
      assert.equal(realpathSync(readlinkSync(`/proc/${proxy.pid}/exe`)), realpathSync(runtime.node));
      const res = await fetch(`http://127.0.0.1:${proxy.port}/ping`);
      assert.equal(res.status, 200);
    } finally {
      await proxy.stop();
    }
  });

  test('table: two runtimes -> each proxy compared with the floor on its own runtime', () => {
    const text = formatTable(
      [row('health', 'proxy@v20.20.2', 100), row('health', 'floor@v20.20.2', 50), row('health', 'proxy@v26.12.1', 80), row('health', 'floor@v26.12.1', 20), row('health', 'proxy', 10)],
      { node: 'v20.20.2 and v26.12.1', pinned: false, logLevel: 'info', durationS: 2, repeat: 5, rate: 1800, rateDurationS: 5, connections: 16 },
    );
    const efficiency = (server: string): string | undefined => text.split('\n').find((l) => l.startsWith(`| health | ${server} |`))?.split('|').at(-2)?.trim();
    assert.equal(efficiency('proxy@v20.20.2'), '0.50');
    assert.equal(efficiency('floor@v20.20.2'), '1.00');
    assert.equal(efficiency('proxy@v26.12.1'), '0.25');
    assert.equal(efficiency('proxy'), '-', 'no floor on an unsuffixed runtime in this table');
    assert.match(text, /^node v20\.20\.2 and v26\.12\.1;/);
  });
});
