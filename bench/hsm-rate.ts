/**
 * `npm run bench:hsm-rate`: issue 23's constant-rate target, measured against a real `xks serve` process: at a
 * constant 1800 req/s for 60 s, p99 <= 10 ms and max <= 50 ms with zero errors, and the proxy's event loop never
 * delayed more than 20 ms (PKCS#11 runs off the loop).
 *
 *   npm run bench:hsm-rate -- [--backend softhsm|files] [--rate 1800] [--duration 60] [--op encrypt-6k]
 *                             [--sessions N] [--threads N] [--pin loop|all] [--warmup 5] [--log-level info] [--from-source] [--json]
 *
 * Open loop (test/support/load/load.ts): requests leave on schedule whatever the answers do, and each latency is
 * timed from its scheduled send time, so a stall is charged for the queue it causes. The proxy (one process) keeps its
 * key in a fresh SoftHSM2 token (--backend softhsm, the default; --sessions N and --threads N set its `pkcs11.sessions` and `.threads`) or in a key
 * file (--backend files), and runs from dist/ (`npm run bench:hsm-rate` builds it first; --from-source runs src/
 * through tsx). A 5 s closed-loop warm-up lets the JIT compile the request path first (`npm run bench` uses 2 s): with
 * SoftHSM each of the proxy's HSM threads compiles its own copy of the call path, and after a 2 s warm-up the first
 * two seconds of the run answered in up to 294 ms (after 6 s: 31 ms). Set XKS_BENCH_SLOW_SECONDS=1 to print the slow
 * answers per second of the run.
 *
 * Where it runs, when taskset and a second CPU exist (this generator is on CPU 1):
 *   --pin loop (default): the proxy's event-loop thread alone on CPU 0, its other threads (the HSM threads, where
 *                         the PKCS#11 calls run, libuv's pool and V8's helpers) on CPU 1 beside this
 *                         generator. The loop has a CPU of its own and the HSM work runs beside it, as on any machine
 *                         with two cores or more.
 *   --pin all:            every thread of the proxy on CPU 0: the HSM calls' worker threads take turns with the loop
 *                         on one CPU, and each wake-up of one pre-empts the loop.
 *
 * The event loop's delay is how late the proxy's loop ran what was due: bench/support/loop-probe.mjs, loaded into the
 * proxy with `--import` (for this bench only; the proxy itself is unchanged), runs a 1 ms timer and writes, once a
 * second, the largest lateness of its ticks to a file in a temp dir (XKS_LOOP_PROBE_FILE). The run's figure is the
 * largest among the seconds that lie wholly within the run (from just before the first request is due to the last
 * answer); the target's verdict uses it. The probe adds 2-2.5 % of a core to an idle proxy (see the probe).
 *
 * prom-client's `nodejs_eventloop_lag_max_seconds` (the proxy's GET /metrics) is printed too, labelled for what it
 * is: perf_hooks.monitorEventLoopDelay({ resolution: 10 }) records the interval between two ticks of a repeating
 * 10 ms timer, not their lateness. In Node's source, src/node_perf.cc CreateELDHistogram starts an IntervalHistogram
 * (src/histogram.cc, IntervalHistogram::OnStart: uv_timer_start(&timer_, TimerCB, interval_, interval_)) whose
 * callback calls Histogram::RecordDelta (src/histogram-inl.h), which records uv_hrtime() - prev_, the time since the
 * previous tick. An idle proxy thus shows about 10-11 ms, and a stall shows as up to 10 ms more than its lateness.
 * Its histogram is reset at every scrape: it is scraped once just before the run (which resets it) and every 5 s
 * during it, and the largest of those is printed. Nothing else may scrape that proxy meanwhile (nothing does).
 *
 * The event-loop thread's own schedule (/proc/<pid>/task/<pid>/schedstat) is printed too: how long it was on a CPU
 * and how long it was runnable but waiting for one. On a shared machine the second is what an event-loop delay
 * consists of; a loop blocked by the proxy itself shows as delay without that wait.
 *
 * Figures only, no pass/fail exit code for the targets: a busy machine misses them without the proxy being at fault.
 */
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { parseExposition, sample, type Exposition } from '../test/support/exposition.js';
import { closedLoop, openLoop, quantile } from '../test/support/load/load.js';
import { computeRunLoopDelay, createLoopProbeFile } from '../test/support/load/loop-probe.js';
import { mainThreadSchedule, processTreeCpu, threadCpus } from '../test/support/load/process-cpu.js';
import { BENCH_KEY_ID, BENCH_QUOTA, benchSoftHsmMissing, pinEventLoop, startProxyServer, taskset, type BenchServer } from '../test/support/load/servers.js';
import { createWorkload, OPERATIONS, type Operation } from '../test/support/load/workloads.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'softhsm' },
    rate: { type: 'string', default: '1800' },
    duration: { type: 'string', default: '60' },
    op: { type: 'string', default: 'encrypt-6k' },
    warmup: { type: 'string', default: '5' },
    sessions: { type: 'string' },
    threads: { type: 'string' },
    pin: { type: 'string', default: 'loop' },
    'log-level': { type: 'string', default: 'info' },
    'from-source': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const backend = values.backend ?? 'softhsm';
const rate = Number(values.rate);
const durationS = Number(values.duration);
const warmupS = Number(values.warmup);
const op = values.op as Operation;
const fail = (message: string): never => {
  process.stderr.write(`bench:hsm-rate: ${message}\n`);
  process.exit(2);
};
if (backend !== 'softhsm' && backend !== 'files') fail(`--backend ${backend}: expected softhsm or files`);
const pinMode = values.pin ?? 'loop';
if (pinMode !== 'loop' && pinMode !== 'all') fail(`--pin ${pinMode}: expected loop or all`);
for (const option of ['sessions', 'threads'] as const) {
  const v = values[option];
  if (v !== undefined && !(Number.isInteger(Number(v)) && Number(v) >= 1)) fail(`--${option} must be a whole number >= 1`);
}
const pkcs11Options = {
  ...(values.sessions !== undefined && { sessions: Number(values.sessions) }),
  ...(values.threads !== undefined && { threads: Number(values.threads) }),
};
if (!(OPERATIONS as readonly string[]).includes(op)) fail(`--op ${op}: expected one of ${OPERATIONS.join(', ')}`);
if (!(rate > 0) || !(durationS > 0) || !(warmupS >= 0)) fail('--rate and --duration must be positive numbers, --warmup a number >= 0');
const missing = backend === 'softhsm' ? benchSoftHsmMissing() : undefined;
if (missing !== undefined) fail(`--backend softhsm needs SoftHSM2 and OpenSC: ${missing}`);

const progress = (line: string): void => void process.stderr.write(`${line}\n`);
const pinned = taskset && availableParallelism() >= 2;
if (pinned) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });

/**
 * The proxy's /metrics, and prom-client's event-loop lag max since the previous scrape, ms (the scrape resets it): the
 * longest interval between two ticks of a 10 ms timer, so about 10 ms more than the lateness the probe measures.
 */
async function scrape(adminUrl: string): Promise<{ exposition: Exposition; loopDelayMaxMs: number }> {
  const exposition = parseExposition(await (await fetch(`${adminUrl}/metrics`)).text());
  const seconds = sample(exposition, 'nodejs_eventloop_lag_max_seconds', {});
  if (seconds === undefined) throw new Error('the proxy exposes no nodejs_eventloop_lag_max_seconds');
  return { exposition, loopDelayMaxMs: seconds * 1000 };
}

/**
 * From two scrapes of a histogram: how many observations the run added, and how many of them took longer than
 * 10 ms and 50 ms (the targets' bounds, which are bucket bounds of the proxy's histograms).
 */
function slowShare(before: Exposition, after: Exposition, name: string, labels: Readonly<Record<string, string>>): { count: number; over10: number; over50: number } {
  const delta = (suffix: string, extra: Readonly<Record<string, string>> = {}): number =>
    (sample(after, `${name}${suffix}`, { ...labels, ...extra }) ?? 0) - (sample(before, `${name}${suffix}`, { ...labels, ...extra }) ?? 0);
  const count = delta('_count');
  return { count, over10: count - delta('_bucket', { le: '0.01' }), over50: count - delta('_bucket', { le: '0.05' }) };
}

/** How often the proxy's event-loop delay max is scraped during the run (each scrape also resets it). */
const SCRAPE_EVERY_MS = 5000;
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

let server: BenchServer | undefined;
const probe = createLoopProbeFile();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () =>
    void (server?.stop() ?? Promise.resolve()).finally(() => {
      probe.cleanup();
      process.exit(130);
    }),
  );
}
try {
  server = await startProxyServer({
    nodeArgs: probe.nodeArgs,
    env: probe.env,
    logLevel: values['log-level'] ?? 'info',
    storeConfig: { quota: BENCH_QUOTA },
    softHsm: backend === 'softhsm',
    ...(Object.keys(pkcs11Options).length > 0 && { pkcs11: pkcs11Options }),
    fromSource: values['from-source'] === true,
    ...(pinned && pinMode === 'all' && { cpu: 0 }),
  });
  const adminUrl = server.adminUrl;
  if (adminUrl === undefined) throw new Error('the proxy printed no admin listener');
  const workload = await createWorkload(op, server.port, BENCH_KEY_ID);
  const port = server.port;
  if (warmupS > 0) await closedLoop(port, workload.bytes, { connections: 16, durationMs: warmupS * 1000 });
  if (pinned && pinMode === 'loop') pinEventLoop(server.pid, 0, 1); // after the warm-up: every thread exists
  const threads = threadCpus(server.pid);
  const placement = `proxy event loop on CPU ${threads.main}, its other threads on ${[...threads.others].map(([cpus, n]) => `${cpus} (${n})`).join(', ')}; load generator on CPU ${pinned ? 1 : 'any'}`;
  const loadBefore = loadavg();
  progress(
    `bench:hsm-rate: ${op} at ${rate} req/s for ${durationS} s (open loop) on ${server.name} (${backend === 'softhsm' ? 'SoftHSM2 token' : 'key files'}), ` +
      `node ${process.version}, ${placement}, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
  );
  workload.refresh();
  const first = await scrape(adminUrl); // resets the proxy's loop-delay histogram: the run's maximum starts here
  const scheduleBefore = mainThreadSchedule(server.pid);
  const cpuBefore = processTreeCpu(server.pid).cpuMs;
  const promLoopLags: number[] = [];
  // This generator's own event-loop delay: a request it sends or reads late is charged to the proxy's latency.
  const generatorDelay = monitorEventLoopDelay({ resolution: 10 });
  generatorDelay.enable();
  const scrapes: Promise<void>[] = [];
  let lastScrape = 0;
  let lastRefresh = 0;
  const runStartMs = Date.now();
  const slowBySecond = new Map<number, { over10: number; over50: number; max: number }>();
  const result = await openLoop(port, workload.bytes, {
    onAnswer: (sentAtMs, latencyMs) => {
      if (latencyMs <= 10) return;
      const second = Math.floor(sentAtMs / 1000);
      const entry = slowBySecond.get(second) ?? { over10: 0, over50: 0, max: 0 };
      entry.over10++;
      if (latencyMs > 50) entry.over50++;
      entry.max = Math.max(entry.max, latencyMs);
      slowBySecond.set(second, entry);
    },
    rate,
    durationMs: durationS * 1000,
    onTick: (elapsedMs) => {
      // A signature stays valid for the 5-minute skew window (spec A12); sign again every minute of a long run.
      if (elapsedMs - lastRefresh >= 60_000) {
        lastRefresh = elapsedMs;
        workload.refresh();
      }
      if (elapsedMs - lastScrape >= SCRAPE_EVERY_MS) {
        lastScrape = elapsedMs;
        scrapes.push(
          scrape(adminUrl).then(({ loopDelayMaxMs: ms }) => {
            promLoopLags.push(ms);
            const recent = probe.read().filter((s) => s.at >= runStartMs && s.at >= Date.now() - SCRAPE_EVERY_MS - 1000);
            const late = Math.max(...recent.map((s) => s.maxLatenessMs));
            progress(`  ${(elapsedMs / 1000).toFixed(0)} s: proxy event-loop delay max ${f1(late)} ms over the last ${recent.length} s (probe); nodejs_eventloop_lag_max_seconds ${f1(ms)} ms`);
          }),
        );
      }
    },
  });
  const runEndMs = Date.now();
  generatorDelay.disable();
  await Promise.all(scrapes);
  const last = await scrape(adminUrl);
  promLoopLags.push(last.loopDelayMaxMs);
  const loopDelay = computeRunLoopDelay(await probe.readThrough(runEndMs), runStartMs, runEndMs);
  const xksOperation = { health: 'GetHealthStatus', metadata: 'GetKeyMetadata', encrypt: 'Encrypt', decrypt: 'Decrypt' }[op.split('-')[0] ?? ''] ?? op;
  const inProxy = slowShare(first.exposition, last.exposition, 'xks_request_duration_seconds', { operation: xksOperation });
  const hsmOperation = { Encrypt: 'encrypt', Decrypt: 'decrypt' }[xksOperation];
  // prom-client's GC histogram (buckets 1 ms, 10 ms, 100 ms, ...): pauses of the proxy's event loop by the collector.
  const gcOver10 = ['major', 'minor', 'incremental', 'weakcb'].reduce((sum, kind) => {
    const d = slowShare(first.exposition, last.exposition, 'nodejs_gc_duration_seconds', { kind });
    return sum + d.over10;
  }, 0);
  const inHsm = backend === 'softhsm' && hsmOperation !== undefined ? slowShare(first.exposition, last.exposition, 'xks_hsm_call_duration_seconds', { operation: hsmOperation, outcome: 'ok' }) : undefined;
  const scheduleAfter = mainThreadSchedule(server.pid);
  const cpuMs = processTreeCpu(server.pid).cpuMs - cpuBefore;
  const mainThread =
    scheduleBefore === undefined || scheduleAfter === undefined
      ? undefined
      : { onCpuMs: scheduleAfter.onCpuMs - scheduleBefore.onCpuMs, runQueueWaitMs: scheduleAfter.runQueueWaitMs - scheduleBefore.runQueueWaitMs };
  const loadAfter = loadavg();
  const figures = {
    operation: op,
    backend,
    server: server.name,
    rate,
    durationS,
    sessions: values.sessions === undefined ? 'default' : Number(values.sessions),
    threads: values.threads === undefined ? 'default' : Number(values.threads),
    placement,
    sent: result.sent,
    ok: result.ok,
    errors: result.errors,
    p50Ms: quantile(result.latencies, 0.5),
    p99Ms: quantile(result.latencies, 0.99),
    maxMs: quantile(result.latencies, 1),
    over10Ms: result.latencies.filter((ms) => ms > 10).length,
    over50Ms: result.latencies.filter((ms) => ms > 50).length,
    /** The proxy's event loop: the largest lateness of the probe's 1 ms timer over the run's whole seconds, ms. */
    eventLoopDelayMaxMs: loopDelay.maxLatenessMs,
    /** How many of the probe's seconds lie within the run (those the figure above is taken from). */
    loopProbeSeconds: loopDelay.seconds,
    /** prom-client's nodejs_eventloop_lag_max_seconds over the run, ms: intervals between 10 ms ticks, the 10 ms included. */
    promEventLoopLagMaxMs: Math.max(...promLoopLags),
    /** The proxy's CPU time (all its threads: the HSM threads included) per answered request, µs. */
    cpuMicrosPerRequest: (cpuMs * 1000) / Math.max(1, result.ok),
    /** The proxy's event-loop thread during the run: time on a CPU, and time runnable but waiting for one. */
    mainThread,
    /** The proxy's own histograms over the run: requests (first byte to last) and HSM work slower than 10 / 50 ms. */
    inProxy,
    inHsm,
    /** Garbage collections of the proxy that took longer than 10 ms during the run. */
    gcOver10,
    /** The load generator's own event-loop delay max over the run, ms (its lateness adds to every latency above). */
    generatorLoopDelayMaxMs: generatorDelay.max / 1e6,
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadAfter,
  };
  if (process.env['XKS_BENCH_SLOW_SECONDS'] === '1') {
    for (const [second, e] of [...slowBySecond].sort((a, b) => a[0] - b[0])) progress(`  second ${second}: ${e.over10} over 10 ms, ${e.over50} over 50 ms, max ${f1(e.max)} ms`);
  }
  if (values.json === true) process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  else {
    process.stdout.write(
      [
        `${op} at ${rate} req/s for ${durationS} s on ${server.name} (${backend === 'softhsm' ? `SoftHSM2 token, sessions ${figures.sessions}, threads ${figures.threads}` : 'key files'}), open loop, ${placement}:`,
        `  sent ${figures.sent}, ok ${figures.ok}, errors ${figures.errors}; ${result.connectionsOpened ?? 0} connections opened`,
        `  latency ms  p50 ${f1(figures.p50Ms)}  p99 ${f1(figures.p99Ms)}  max ${f1(figures.maxMs)}; ${figures.over10Ms} over 10 ms, ${figures.over50Ms} over 50 ms`,
        `  proxy event-loop delay max ${f1(figures.eventLoopDelayMaxMs)} ms (lateness of a 1 ms timer, over the run's ${loopDelay.seconds} whole seconds)`,
        `  nodejs_eventloop_lag_max_seconds: ${f1(figures.promEventLoopLagMaxMs)} ms (10 ms ticks, includes the 10 ms interval)`,
        `  proxy CPU ${f1(cpuMs / 1000)} s in all (${figures.cpuMicrosPerRequest.toFixed(0)} µs per answered request, all threads)`,
        mainThread === undefined
          ? '  (no /proc/<pid>/task/<pid>/schedstat: the event-loop thread\'s wait for a CPU is unknown)'
          : `  proxy event-loop thread: ${f1(mainThread.onCpuMs / 1000)} s on a CPU, ${f1(mainThread.runQueueWaitMs / 1000)} s runnable but waiting for a CPU (the machine's share of the delays)`,
        `  the proxy's own view (xks_request_duration_seconds): ${inProxy.count} requests, ${inProxy.over10} over 10 ms, ${inProxy.over50} over 50 ms` +
          (inHsm === undefined ? '' : `; HSM work (xks_hsm_call_duration_seconds): ${inHsm.over10} over 10 ms, ${inHsm.over50} over 50 ms`) +
          `; garbage collections over 10 ms: ${gcOver10}`,
        `  load generator's own event-loop delay max ${f1(generatorDelay.max / 1e6)} ms (a late generator sends and reads late: it adds to the latencies above)`,
        `  load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
        `  targets (issue 23): p99 <= 10 ms ${verdict(figures.p99Ms <= 10)}; max <= 50 ms ${verdict(figures.maxMs <= 50)}; ` +
          `zero errors ${verdict(figures.errors === 0)}; event-loop delay <= 20 ms ${loopDelay.seconds === 0 ? 'unknown (no whole second of the probe in the run)' : verdict(figures.eventLoopDelayMaxMs <= 20)}`,
        '',
      ].join('\n'),
    );
  }
} finally {
  await server?.stop();
  probe.cleanup();
}
