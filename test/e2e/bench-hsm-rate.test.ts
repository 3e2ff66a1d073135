/**
 * `npm run bench:hsm-rate` (docs/performance.md): the constant-rate run against a real `xks serve` on a SoftHSM2 token
 * or key files, short and slow here (the figures are the bench's business, never asserted): every scheduled request
 * is sent and counted, the proxy's own event-loop delay is read from its /metrics, and bad options are refused.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, TSX_LOADER } from '../support/proxy-process.js';
import { softHsmMissing } from '../support/softhsm.js';
import { runChild, type ChildResult } from '../support/run-child.js';

const SCRIPT = join(REPO_ROOT, 'bench', 'hsm-rate.ts');

function runRate(args: readonly string[]): Promise<ChildResult> {
  return runChild(process.execPath, ['--import', TSX_LOADER, SCRIPT, ...args], { cwd: REPO_ROOT, timeoutMs: 120_000 });
}

interface Figures {
  backend: string;
  server: string;
  rate: number;
  sent: number;
  ok: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  eventLoopDelayMaxMs: number;
  mainThread?: { onCpuMs: number; runQueueWaitMs: number };
  cpuMicrosPerRequest: number;
  loadAverageBefore: number[];
}

for (const backend of ['softhsm', 'files'] as const) {
  test(`bench:hsm-rate --backend ${backend}: 20 req/s for 3 s -> 60 requests sent and answered, proxy event-loop delay read`, { skip: backend === 'softhsm' ? softHsmMissing() : undefined, timeout: 180_000 }, async () => {
    const run = await runRate(['--backend', backend, '--rate', '20', '--duration', '3', '--warmup', '0', '--from-source', '--log-level', 'warn', '--json']);
    assert.equal(run.status, 0, run.stderr);
    const figures = JSON.parse(run.stdout) as Figures;
    assert.equal(figures.backend, backend);
    assert.equal(figures.server, backend === 'softhsm' ? 'proxy-hsm' : 'proxy');
    assert.equal(figures.sent, 60, 'rate x duration requests are scheduled');
    assert.equal(figures.ok + figures.errors, 60, 'every request is counted once');
    assert.equal(figures.errors, 0, run.stderr);
    assert.ok(figures.p50Ms <= figures.p99Ms && figures.p99Ms <= figures.maxMs, JSON.stringify(figures));
    assert.ok(Number.isFinite(figures.eventLoopDelayMaxMs) && figures.eventLoopDelayMaxMs > 0, `event-loop delay from the proxy's /metrics: ${figures.eventLoopDelayMaxMs}`);
    assert.ok((figures.mainThread?.onCpuMs ?? 0) > 0 && (figures.mainThread?.runQueueWaitMs ?? -1) >= 0, `the event-loop thread's schedule: ${JSON.stringify(figures.mainThread)}`);
    assert.ok(figures.cpuMicrosPerRequest > 0, `the proxy's CPU per request: ${figures.cpuMicrosPerRequest}`);
    assert.equal(figures.loadAverageBefore.length, 3);
    assert.match(run.stderr, /bench:hsm-rate: encrypt-6k at 20 req\/s for 3 s \(open loop\)/);
  });
}

test('bench:hsm-rate: unknown backend or operation, zero rate -> exit 2 naming the option', { timeout: 60_000 }, async () => {
  for (const [args, message] of [
    [['--backend', 'luna'], /--backend luna: expected softhsm or files/],
    [['--op', 'sign'], /--op sign: expected one of health, metadata/],
    [['--rate', '0'], /--rate and --duration must be positive/],
  ] as const) {
    const run = await runRate(args);
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }
});
