/**
 * The short form of `npm run bench:attack` (issue 10): each attack class for a few seconds against a real
 * `xks serve` process while a signed client probes every 50 ms. It asserts that the bound holds (the client keeps
 * being served, never reset, the proxy's memory stays bounded, and the limit that holds the line is the one that
 * counted), not latency: machines running tests are noisy. The attacks are scaled down, and so are the limits
 * they must cross (stated per class), so each class crosses its limit as the full-size harness does.
 * Without the bounds: slot-hold gets every probe a 429 (the slots are held), pipeline-flood makes the proxy parse
 * every queued request, idle-hold never closes an idle connection (counted).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runAttackClass, TARGETS, type AttackResult } from '../support/attack/run-attack.js';
import { startProxyServer, type BenchServer } from '../support/load/servers.js';

const servers: BenchServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
});

async function proxyWith(config: Record<string, unknown>): Promise<BenchServer> {
  const s = await startProxyServer({ logLevel: 'warn', fromSource: true, extraConfig: config });
  servers.push(s);
  return s;
}

function assertHeld(r: AttackResult, minSuccess: number): void {
  const detail = JSON.stringify({ probe: r.probe, attack: r.attack, refusals: r.refusals, rss: r.maxRssMiB });
  assert.equal(r.probe.resets, 0, `the signed client was never reset: ${detail}`);
  assert.ok(r.probe.successRate >= minSuccess, `success ${(r.probe.successRate * 100).toFixed(1)}% >= ${minSuccess * 100}%: ${detail}`);
  assert.ok(r.maxRssMiB <= TARGETS.rssMiB, `proxy RSS ${r.maxRssMiB.toFixed(0)} MiB <= ${TARGETS.rssMiB}: ${detail}`);
}

// Success is asserted at 50%, not the harness's 99%: a probe that waits more than 1 s on a loaded machine fails,
// and a test must not fail for that (on the 2-core development machine under a load average of 30, the probe alone
// sees 100-300 ms stalls). Without the bounds slot-hold fails outright (every probe 429). What the test holds
// firmly: never a reset, never a 429, bounded memory, and the limit that did the work counted it. The full harness
// (`npm run bench:attack`) measures the 99% / 250 ms targets.
const MIN_SUCCESS = 0.5;

describe('attack harness (short form of npm run bench:attack)', { timeout: 120_000 }, () => {
  it('pipeline-flood: 20 connections x 5000 pipelined GET /ping, again and again -> client served, connections cut at 16', async () => {
    const proxy = await proxyWith({});
    const r = await runAttackClass(proxy, 'pipeline-flood', { size: { connections: 20, requests: 5000 }, warmupMs: 1500, probeMs: 3000 });
    assertHeld(r, MIN_SUCCESS);
    assert.ok((r.refusals?.pipelining ?? 0) >= 20, `pipelining refusals: ${JSON.stringify(r.refusals)}`);
  });

  it('slot-hold: 300 requests with the access key id, a wrong secret and no body, maxConcurrentRequests 8 -> client served, no 429', async () => {
    const proxy = await proxyWith({ throttling: { maxConcurrentRequests: 8 } });
    const r = await runAttackClass(proxy, 'slot-hold', { size: { connections: 300 }, warmupMs: 1500, probeMs: 3000 });
    assertHeld(r, MIN_SUCCESS);
    assert.equal(r.probe.statuses['429'], undefined, 'no probe was throttled: unauthenticated requests hold no slot');
    assert.equal(r.refusals?.concurrency, 0);
  });

  it('idle-hold: 200 keep-alive connections idling, maxConnections 128 (reserved 16) -> idle ones closed for room, the client served', async () => {
    // The client keeps its keep-alive connections, as KMS does; that a NEW connection is served near the cap is
    // test/e2e/front-door.test.ts's "idle eviction" case (here the attacker's reconnects would queue it behind them).
    const proxy = await proxyWith({ limits: { maxConnections: 128, reservedConnections: 16 } });
    const r = await runAttackClass(proxy, 'idle-hold', { size: { connections: 200, requestEveryMs: 30_000 }, warmupMs: 2000, probeMs: 3000 });
    assertHeld(r, MIN_SUCCESS);
    assert.ok((r.refusals?.idleClosed ?? 0) > 0, `idle connections were closed for room: ${JSON.stringify(r.refusals)}`);
  });
});
