/** The benchmark's table (markdown, pasted into docs/performance.md) and the soak run. */
import { closedLoop, openLoop, quantile } from './load.js';
import { MiB, rssBytes } from './process-stats.js';
import type { BenchServer } from './servers.js';
import { createWorkload } from './workloads.js';
import { BENCH_KEY_ID } from './servers.js';

export interface Row {
  readonly operation: string;
  readonly server: string;
  readonly bodyBytes: number;
  readonly requestsPerSecond: number;
  readonly cpuMicrosPerRequest: number;
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: number;
  readonly rssMiB: number;
}

const f0 = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '-');
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');

/**
 * The key-file proxy a SoftHSM-backed proxy's row is compared with: same operation, worker count and runtime
 * (`proxy-hsm-2w@v26.12.1` -> `proxy-2w@v26.12.1`); undefined for any other server.
 */
export function filesCounterpart(server: string): string | undefined {
  return server.startsWith('proxy-hsm') ? `proxy${server.slice('proxy-hsm'.length)}` : undefined;
}

export function formatTable(
  rows: readonly Row[],
  meta: { node: string; pinned: boolean; logLevel: string; durationS: number; repeat: number; rate: number; rateDurationS: number; connections: number; notes?: readonly string[] },
): string {
  // A server's runtime is the name's `@<version>` suffix (`npm run bench -- --node`): efficiency compares a proxy
  // with the floor on the same runtime.
  const runtimeOf = (server: string): string => server.split('@')[1] ?? '';
  const isFloor = (server: string): boolean => server.split('@')[0] === 'floor';
  const floorCost = new Map(rows.filter((r) => isFloor(r.server)).map((r) => [`${r.operation}@${runtimeOf(r.server)}`, r.cpuMicrosPerRequest]));
  // `CPU vs files`: a SoftHSM-backed proxy's CPU per request over the key-file proxy's (issue 23's target: <= 1.5).
  const cost = new Map(rows.map((r) => [`${r.operation}|${r.server}`, r.cpuMicrosPerRequest]));
  const versusFiles = (r: Row): string => {
    const files = filesCounterpart(r.server);
    const filesCost = files === undefined ? undefined : cost.get(`${r.operation}|${files}`);
    return filesCost === undefined ? '-' : `${(r.cpuMicrosPerRequest / filesCost).toFixed(2)}x`;
  };
  const lines = [
    `node ${meta.node}; servers ${meta.pinned ? 'pinned to CPU 0, load from CPU 1' : 'not pinned'}; proxy logging ${meta.logLevel}; ` +
      `throughput: best of ${meta.repeat} rounds of ${meta.connections} connections for ${meta.durationS} s; latency: ${meta.rate} req/s for ${meta.rateDurationS} s (open loop)`,
    ...(meta.notes ?? []),
    '',
    '| operation | server | body | req/s | CPU-µs/req | CPU vs files | p50 ms | p99 ms | max ms | errors | RSS MiB | efficiency |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const floor = floorCost.get(`${r.operation}@${runtimeOf(r.server)}`);
    const efficiency = isFloor(r.server) ? '1.00' : floor === undefined ? '-' : (floor / r.cpuMicrosPerRequest).toFixed(2);
    lines.push(
      `| ${r.operation} | ${r.server} | ${r.bodyBytes} B | ${f0(r.requestsPerSecond)} | ${f0(r.cpuMicrosPerRequest)} | ${versusFiles(r)} | ${f1(r.p50Ms)} | ${f1(r.p99Ms)} | ${f1(r.maxMs)} | ${r.errors} | ${f0(r.rssMiB)} | ${efficiency} |`,
    );
  }
  return lines.join('\n');
}

export interface SoakReport {
  readonly rate: number;
  readonly minutes: readonly { minute: number; p50Ms: number; p99Ms: number; maxMs: number; errors: number; rssMiB: number }[];
  readonly text: string;
}

/** Encrypt (6 KB) at a constant rate for `minutes`, one open-loop run per minute (signed again each minute). */
export async function runSoak(server: BenchServer, options: { rate: number; minutes: number; progress: (line: string) => void }): Promise<SoakReport> {
  const workload = await createWorkload('encrypt-6k', server.port, BENCH_KEY_ID);
  // Warm up as the table's runs do: a fresh process answers its first requests before the JIT has compiled the
  // request path, and at a constant rate that queue showed as a ~1 s maximum in minute 1. The soak is the steady state.
  await closedLoop(server.port, workload.bytes, { connections: 16, durationMs: 2000 });
  const minutes: SoakReport['minutes'][number][] = [];
  for (let minute = 1; minute <= options.minutes; minute++) {
    workload.refresh();
    const r = await openLoop(server.port, workload.bytes, { rate: options.rate, durationMs: 60_000 });
    const row = { minute, p50Ms: quantile(r.latencies, 0.5), p99Ms: quantile(r.latencies, 0.99), maxMs: quantile(r.latencies, 1), errors: r.errors, rssMiB: rssBytes(server.pid) / MiB };
    minutes.push(row);
    options.progress(`  soak minute ${minute}: p99 ${f1(row.p99Ms)} ms, max ${f1(row.maxMs)} ms, errors ${row.errors}, RSS ${f0(row.rssMiB)} MiB`);
  }
  const lines = [
    `soak: encrypt-6k at ${options.rate} req/s for ${options.minutes} min on the proxy`,
    '',
    '| minute | p50 ms | p99 ms | max ms | errors | RSS MiB |',
    '|---|---|---|---|---|---|',
    ...minutes.map((m) => `| ${m.minute} | ${f1(m.p50Ms)} | ${f1(m.p99Ms)} | ${f1(m.maxMs)} | ${m.errors} | ${f0(m.rssMiB)} |`),
  ];
  return { rate: options.rate, minutes, text: lines.join('\n') };
}
