/**
 * `npm run bench:hsm-rate` (docs/performance.md): the constant-rate run against a real `xks serve` on a SoftHSM2 token
 * or key files, short and slow here (the figures are the bench's business, never asserted): every scheduled request
 * is sent and counted, the proxy's event-loop delay is read from the lateness probe loaded into it (and prom-client's
 * figure from its /metrics), and bad options are refused.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
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
  loopProbeSeconds: number;
  promEventLoopLagMaxMs: number;
  mainThread?: { onCpuMs: number; runQueueWaitMs: number };
  cpuMicrosPerRequest: number;
  loadAverageBefore: number[];
  sessions: number | 'default';
  threads: number | 'default';
  placement: string;
  over10Ms: number;
  over50Ms: number;
  inProxy: { count: number; over10: number; over50: number };
  inHsm?: { count: number; over10: number; over50: number };
  gcOver10: number;
  generatorLoopDelayMaxMs: number;
}

/** Whether the bench pins (taskset and two CPUs), as bench/hsm-rate.ts decides. */
const pins = spawnSync('taskset', ['--version']).status === 0 && availableParallelism() >= 2;

for (const backend of ['softhsm', 'files'] as const) {
  test(`bench:hsm-rate --backend ${backend}: 20 req/s for 3 s -> 60 requests sent and answered, proxy event-loop delay read`, { skip: backend === 'softhsm' ? softHsmMissing() : undefined, timeout: 180_000 }, async () => {
    const run = await runRate(['--backend', backend, '--rate', '20', '--duration', '3', '--warmup', '0', '--from-source', '--log-level', 'warn', '--json', ...(backend === 'softhsm' ? ['--sessions', '3', '--threads', '2'] : [])]);
    assert.equal(run.status, 0, run.stderr);
    const figures = JSON.parse(run.stdout) as Figures;
    assert.equal(figures.backend, backend);
    assert.equal(figures.server, backend === 'softhsm' ? 'proxy-hsm' : 'proxy');
    assert.equal(figures.sent, 60, 'rate x duration requests are scheduled');
    assert.equal(figures.ok + figures.errors, 60, 'every request is counted once');
    assert.equal(figures.errors, 0, run.stderr);
    assert.ok(figures.p50Ms <= figures.p99Ms && figures.p99Ms <= figures.maxMs, JSON.stringify(figures));
    // The probe's lines were read. Its seconds fall where they fall against the run's (just under 3 s: the last
    // request leaves at 2.95 s), so a 3 s run holds two whole ones or, when the first begins late in the run's first
    // second, one.
    assert.ok(figures.loopProbeSeconds >= 1, `the probe's seconds within the run: ${figures.loopProbeSeconds}`);
    assert.ok(Number.isFinite(figures.eventLoopDelayMaxMs) && figures.eventLoopDelayMaxMs >= 0, `event-loop delay from the probe: ${figures.eventLoopDelayMaxMs}`);
    // prom-client's figure is an interval between 10 ms ticks: never below the interval itself (hdr rounding aside).
    assert.ok(Number.isFinite(figures.promEventLoopLagMaxMs) && figures.promEventLoopLagMaxMs > 9, `nodejs_eventloop_lag_max_seconds: ${figures.promEventLoopLagMaxMs}`);
    assert.ok((figures.mainThread?.onCpuMs ?? 0) > 0 && (figures.mainThread?.runQueueWaitMs ?? -1) >= 0, `the event-loop thread's schedule: ${JSON.stringify(figures.mainThread)}`);
    assert.ok(figures.cpuMicrosPerRequest > 0, `the proxy's CPU per request: ${figures.cpuMicrosPerRequest}`);
    assert.equal(figures.loadAverageBefore.length, 3);
    assert.match(run.stderr, /bench:hsm-rate: encrypt-6k at 20 req\/s for 3 s \(open loop\)/);
    assert.equal(figures.sessions, backend === 'softhsm' ? 3 : 'default');
    assert.equal(figures.threads, backend === 'softhsm' ? 2 : 'default');
    assert.ok(figures.over10Ms >= figures.over50Ms && figures.over50Ms >= 0 && figures.over10Ms <= figures.ok, `over 10 ms counts every request over 50 ms too: ${figures.over10Ms} / ${figures.over50Ms}`);
    // The proxy's own histograms saw exactly this run's 60 Encrypts (the scrape before the run is subtracted).
    assert.equal(figures.inProxy.count, 60, JSON.stringify(figures.inProxy));
    assert.ok(figures.inProxy.over10 >= figures.inProxy.over50 && figures.inProxy.over50 >= 0, JSON.stringify(figures.inProxy));
    if (backend === 'softhsm') assert.equal(figures.inHsm?.count, 60, `one HSM encrypt per request: ${JSON.stringify(figures.inHsm)}`);
    else assert.equal(figures.inHsm, undefined);
    assert.ok(Number.isInteger(figures.gcOver10) && figures.gcOver10 >= 0, `the proxy's GCs over 10 ms: ${figures.gcOver10}`);
    assert.ok(figures.generatorLoopDelayMaxMs > 0 && Number.isFinite(figures.generatorLoopDelayMaxMs), `the generator's own loop delay: ${figures.generatorLoopDelayMaxMs}`);
    // --pin loop (the default): the event loop alone on CPU 0, the proxy's other threads on CPU 1.
    if (pins) assert.match(figures.placement, /^proxy event loop on CPU 0, its other threads on 1 \(\d+\); load generator on CPU 1$/, figures.placement);
  });
}

test('bench:hsm-rate --pin all: every thread of the proxy on CPU 0', { skip: pins ? undefined : 'needs taskset and two CPUs', timeout: 180_000 }, async () => {
  const run = await runRate(['--backend', 'files', '--pin', 'all', '--rate', '20', '--duration', '1', '--warmup', '0', '--from-source', '--log-level', 'warn', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const figures = JSON.parse(run.stdout) as Figures;
  assert.match(figures.placement, /^proxy event loop on CPU 0, its other threads on 0 \(\d+\); load generator on CPU 1$/, figures.placement);
  assert.equal(figures.ok, 20, run.stderr);
});

test('bench:hsm-rate: unknown backend or operation, zero rate -> exit 2 naming the option', { timeout: 60_000 }, async () => {
  for (const [args, message] of [
    [['--backend', 'luna'], /--backend luna: expected softhsm or files/],
    [['--op', 'sign'], /--op sign: expected one of health, metadata/],
    [['--rate', '0'], /--rate and --duration must be positive/],
    [['--pin', 'some'], /--pin some: expected loop or all/],
    [['--sessions', '0'], /--sessions must be a whole number >= 1/],
    [['--threads', '1.5'], /--threads must be a whole number >= 1/],
  ] as const) {
    const run = await runRate(args);
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }
});
