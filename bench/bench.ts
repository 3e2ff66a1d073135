/**
 * `npm run bench`: the proxy side by side with a bare node:http floor doing the same work (bench/floor-server.ts),
 * same load, one table (docs/performance.md). For each operation and server:
 * - throughput: --repeat rounds of a closed loop on --connections connections for --duration s, alternating
 *   servers: req/s, and CPU-us per request from the server process's CPU time (/proc); the best round is reported;
 * - latency: an open loop at a constant --rate for --rate-duration s, timed from each request's intended send
 *   time: p50/p99/max and errors;
 * - RSS after the runs; efficiency = floor CPU-us / proxy CPU-us (1.0 = as cheap as the floor).
 * Each server is pinned to CPU 0 and this generator to CPU 1 (taskset) when the machine has two.
 *
 *   npm run bench -- [--ops health,metadata,encrypt-6k,decrypt-6k,encrypt-17k,decrypt-17k] [--servers proxy,hsm,floor]
 *                    [--duration 2] [--repeat 5] [--rate 1800] [--rate-duration 5] [--connections 16] [--log-level info] [--json]
 *                    [--workers 1,2] [--node 26[,22,/path/to/node]]
 *   npm run bench -- --soak [--soak-minutes 10]     (encrypt-6k at --rate on the proxy; RSS every 30 s)
 *
 * Server `hsm` (in the default list) is the proxy with its key in a fresh SoftHSM2 token (docs/hsm.md), rows
 * `proxy-hsm`, side by side with the key-file proxy and the floor, with its CPU per request as a ratio to the key-file
 * proxy's (`CPU vs files`). Without softhsm2 and opensc installed its rows are skipped, with a line saying why.
 *
 * --workers 1,2 adds one proxy per count (`xks serve --workers N`, rows `proxy-Nw`), loaded on N times --connections
 * so every worker sees the load one process sees. Its workers run one per CPU (the second shares CPU 1 with this
 * generator), so the CPU-us per request of 1 and N workers differ by what N workers add (the primary, IPC, a shared
 * socket), not by N processes taking turns on one core. CPU and RSS are the whole process tree's.
 *
 * --node 26 runs every server a second time on that Node.js (a line installed by scripts/test-on-node.sh, or a path
 * to a node binary), in the same rounds: rows `proxy@v20.20.2`, `floor@v20.20.2`, `proxy@v26.12.1`, ... side by side,
 * each proxy's efficiency against the floor on its own runtime. The generator stays on this process's runtime.
 *
 * `npm run bench` bundles this file with esbuild (bench/.build/bench.mjs) and runs it as plain JavaScript: under tsx,
 * the TypeScript loader's thread (its own heap, its own garbage collections) shared the generator's CPU and its pauses
 * showed up as 10-20 ms stalls in the latency figures of every server, the floor's included. The bundle sits two
 * directories below the repository, as test/support/ does, so the paths it derives from its own location still hold.
 */
import { availableParallelism } from 'node:os';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { closedLoop, openLoop, quantile } from '../test/support/load/load.js';
import { MiB } from '../test/support/load/process-stats.js';
import { processTreeCpu, processTreeRss } from '../test/support/load/process-cpu.js';
import { BENCH_KEY_ID, BENCH_QUOTA, benchSoftHsmMissing, resolveBenchRuntime, startFloorServer, startProxyServer, taskset, type BenchRuntime, type BenchServer } from '../test/support/load/servers.js';
import { createWorkload, OPERATIONS, type Operation, type Workload } from '../test/support/load/workloads.js';
import { filesCounterpart, formatTable, runSoak, type Row } from '../test/support/load/bench-report.js';

const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: OPERATIONS.join(',') },
    servers: { type: 'string', default: 'proxy,hsm,floor' },
    duration: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '5' },
    rate: { type: 'string', default: '1800' },
    'rate-duration': { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    'log-level': { type: 'string', default: 'info' },
    json: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    'soak-minutes': { type: 'string', default: '10' },
    workers: { type: 'string', default: '1' },
    node: { type: 'string', default: '' },
  },
});

const ops = (values.ops ?? '').split(',').filter((o): o is Operation => (OPERATIONS as readonly string[]).includes(o));
const serverNames = (values.servers ?? '').split(',');
const durationMs = Number(values.duration) * 1000;
const rate = Number(values.rate);
const rateDurationMs = Number(values['rate-duration']) * 1000;
const connections = Number(values.connections);
const repeat = Math.max(1, Number(values.repeat));
const logLevel = values['log-level'] ?? 'info';
const workerCounts = (values.workers ?? '1').split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 1);
const otherRuntimes = (values.node ?? '').split(',').filter((n) => n !== '').map((n) => resolveBenchRuntime(n));
/** Without --node: this runtime, unsuffixed rows. With it: this runtime first, then each other, rows `<server>@<version>`. */
const runtimes: (BenchRuntime | undefined)[] = otherRuntimes.length === 0 ? [undefined] : [{ node: process.execPath, version: process.version }, ...otherRuntimes];
/** CPU time of a server and its workers (a `--workers N` proxy is a primary and N processes), microseconds. */
const treeCpuMicros = (pid: number): number => processTreeCpu(pid).cpuMs * 1000;
const progress = (line: string): void => void process.stderr.write(`${line}\n`);
/** Why the SoftHSM rows are skipped (asked for, but softhsm2 or opensc missing), or undefined. */
const hsmSkipped = serverNames.includes('hsm') && values.soak !== true ? benchSoftHsmMissing() : undefined;
const withHsm = serverNames.includes('hsm') && values.soak !== true && hsmSkipped === undefined;

// Servers on CPU 0, this generator (all its threads) on CPU 1.
const pinned = taskset && availableParallelism() >= 2;
if (pinned) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
const serverCpu = pinned ? 0 : undefined;

/**
 * One operation on every server: `repeat` alternating closed-loop rounds (the machine's noise only ever adds CPU
 * time, so the best round is the estimate; alternating exposes both servers to the same noise), then the
 * open-loop run at the constant rate.
 */
async function measure(servers: readonly BenchServer[], op: Operation): Promise<Row[]> {
  const workloads = await Promise.all(servers.map((s) => createWorkload(op, s.port, BENCH_KEY_ID)));
  const best = servers.map(() => ({ rps: 0, cpu: Number.POSITIVE_INFINITY, errors: 0 }));
  for (const [i, server] of servers.entries()) await closedLoop(server.port, (workloads[i] as Workload).bytes, { connections: connections * server.workers, durationMs: 1000 }); // warm-up
  for (let round = 0; round < repeat; round++) {
    for (const [i, server] of servers.entries()) {
      const cpu0 = treeCpuMicros(server.pid);
      const r = await closedLoop(server.port, (workloads[i] as Workload).bytes, { connections: connections * server.workers, durationMs });
      const b = best[i] as { rps: number; cpu: number; errors: number };
      b.rps = Math.max(b.rps, (r.ok * 1000) / r.elapsedMs);
      b.cpu = Math.min(b.cpu, (treeCpuMicros(server.pid) - cpu0) / Math.max(1, r.ok));
      b.errors += r.errors;
    }
  }
  const rows: Row[] = [];
  const cpuOf = new Map<string, number>();
  for (const [i, server] of servers.entries()) {
    const workload = workloads[i] as Workload;
    workload.refresh();
    const constant = await openLoop(server.port, workload.bytes, { rate, durationMs: rateDurationMs });
    const b = best[i] as { rps: number; cpu: number; errors: number };
    const row: Row = {
      operation: op,
      server: server.name,
      bodyBytes: workload.bodyBytes,
      requestsPerSecond: b.rps,
      cpuMicrosPerRequest: b.cpu,
      rate,
      p50Ms: quantile(constant.latencies, 0.5),
      p99Ms: quantile(constant.latencies, 0.99),
      maxMs: quantile(constant.latencies, 1),
      errors: b.errors + constant.errors,
      rssMiB: processTreeRss(server.pid) / MiB,
    };
    cpuOf.set(server.name, row.cpuMicrosPerRequest);
    const files = cpuOf.get(filesCounterpart(server.name) ?? '');
    const ratio = files === undefined ? '' : ` (${(row.cpuMicrosPerRequest / files).toFixed(2)}x the key files)`;
    progress(`    ${server.name}: ${row.requestsPerSecond.toFixed(0)} req/s, ${row.cpuMicrosPerRequest.toFixed(0)} CPU-us/req${ratio}, p99 ${row.p99Ms.toFixed(1)} ms, max ${row.maxMs.toFixed(1)} ms, errors ${row.errors}`);
    rows.push(row);
  }
  return rows;
}

const servers: BenchServer[] = [];
// Ctrl-C or a kill: stop the servers this run started before exiting.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void Promise.all(servers.map((s) => s.stop())).finally(() => process.exit(130)));
try {
  for (const runtime of values.soak === true ? [undefined] : runtimes) {
    const on = { ...(serverCpu !== undefined && { cpu: serverCpu }), ...(runtime !== undefined && { runtime }) };
    if (serverNames.includes('proxy') || values.soak === true) {
      for (const workers of values.soak === true ? [1] : workerCounts) servers.push(await startProxyServer({ logLevel, workers, storeConfig: { quota: BENCH_QUOTA }, ...on }));
    }
    // After the key-file proxies, so each HSM row's ratio finds its key-file row measured first.
    if (withHsm) for (const workers of workerCounts) servers.push(await startProxyServer({ logLevel, workers, storeConfig: { quota: BENCH_QUOTA }, softHsm: true, ...on }));
    if (serverNames.includes('floor') && values.soak !== true) servers.push(await startFloorServer(on));
  }
  const nodes = runtimes.map((r) => r?.version ?? process.version).join(' and ');
  progress(`bench: node ${nodes}, servers ${pinned ? 'on CPU 0, load on CPU 1' : 'not pinned (taskset or a second CPU missing)'}, proxy logging ${logLevel}`);
  const notes = hsmSkipped === undefined ? [] : [`HSM rows skipped: ${hsmSkipped}`];
  for (const note of notes) progress(`bench: ${note}`);
  if (values.soak === true) {
    const proxy = servers[0] as BenchServer;
    const report = await runSoak(proxy, { rate, minutes: Number(values['soak-minutes']), progress });
    process.stdout.write(values.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${report.text}\n`);
  } else {
    const rows: Row[] = [];
    for (const op of ops) {
      progress(`  ${op}: ${repeat} x ${durationMs / 1000} s closed loop (${connections} connections) per server, then ${rateDurationMs / 1000} s at ${rate} req/s ...`);
      rows.push(...(await measure(servers, op)));
    }
    const meta = { node: nodes, pinned, logLevel, durationS: durationMs / 1000, repeat, rate, rateDurationS: rateDurationMs / 1000, connections, notes };
    process.stdout.write(values.json === true ? `${JSON.stringify({ ...meta, rows }, null, 2)}\n` : `${formatTable(rows, meta)}\n`);
  }
} finally {
  for (const s of servers) await s.stop();
}
