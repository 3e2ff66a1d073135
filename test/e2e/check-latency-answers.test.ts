/**
 * Issue 21, finding 6: `xks check`'s latency cases count a call only when its answer is valid for the operation
 * (the parser and checks the functional cases use). A server answering `200 not json{` fast must fail them; a real
 * proxy (in process, on 127.0.0.1:0) must pass them, so the cases can go either way.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startInProcessProxy, type InProcessProxy } from '../support/in-process-proxy.js';
import { runCli } from '../support/run-cli.js';
import { TEST_ACCESS_KEY_ID, TEST_SECRET, testKey } from '../support/test-app.js';

const ENV = { XKS_SECRET_ACCESS_KEY: TEST_SECRET };
const LATENCY = ['latency.get-health-status', 'latency.get-key-metadata', 'latency.encrypt'];
const only = (ids: readonly string[]): string[] => ids.flatMap((id) => ['--only', id]);

/** A server that answers every request 200 with this body (Content-Type application/json). */
async function answering(body: (path: string) => string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(body(req.url ?? '')));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/**
 * --latency-budget-ms 30000: these cases are about which answers count, not about speed; a loaded test machine must
 * not fail the real proxy's run (faults-check-probe proves the 250 ms verdict with a fault that delays by 400 ms).
 */
async function check(url: string, ids: readonly string[]): Promise<{ stdout: string; exitCode: number | undefined; lines: Map<string, string> }> {
  const args = ['check', '--endpoint', url, '--access-key-id', TEST_ACCESS_KEY_ID, '--key-id', 'key-1', '--latency-samples', '3', '--latency-budget-ms', '30000'];
  const run = await runCli([...args, ...only(ids), '--json'], { cwd: process.cwd(), env: ENV });
  assert.equal(run.error, undefined, run.error?.message);
  const report = JSON.parse(run.stdout) as { results: { id: string; status: string; detail: string }[] };
  return { stdout: run.stdout, exitCode: run.exitCode, lines: new Map(report.results.map((r) => [r.id, `${r.status} ${r.detail}`])) };
}

describe('xks check latency.*: only valid answers count', () => {
  let proxy: InProcessProxy;
  before(async () => {
    proxy = await startInProcessProxy({ keys: [testKey('key-1')] });
  });
  after(() => proxy.stop());

  it('200 "not json{" on every call -> each latency case fails, naming the invalid answer; exit 1', async () => {
    const server = await answering(() => 'not json{');
    try {
      const r = await check(server.url, LATENCY);
      assert.equal(r.exitCode, 1, r.stdout);
      for (const id of LATENCY) assert.match(r.lines.get(id) ?? '', /^fail .*call 1: HTTP 200 but not a valid answer/, `${id}: ${r.lines.get(id)}`);
    } finally {
      await server.close();
    }
  });

  it('200 with JSON of the wrong shape ({"ok":true}) -> each latency case fails', async () => {
    const server = await answering(() => '{"ok":true}');
    try {
      const r = await check(server.url, LATENCY);
      assert.equal(r.exitCode, 1, r.stdout);
      for (const id of LATENCY) assert.match(r.lines.get(id) ?? '', /^fail .*not a valid answer/, `${id}: ${r.lines.get(id)}`);
    } finally {
      await server.close();
    }
  });

  it('a real proxy -> every latency case passes (GetHealthStatus, GetKeyMetadata, Encrypt, Decrypt); exit 0', async () => {
    const { port } = proxy.proxy.server.address() as AddressInfo;
    const r = await check(`http://127.0.0.1:${port}`, [...LATENCY, 'latency.decrypt']);
    for (const id of [...LATENCY, 'latency.decrypt']) assert.match(r.lines.get(id) ?? '', /^pass p50 /, `${id}: ${r.lines.get(id)}`);
    assert.equal(r.exitCode, 0, r.stdout);
  });
});
