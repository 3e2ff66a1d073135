/**
 * One attack class against a running proxy: start the attack (worker thread), let it reach full strength, probe
 * with the signed client for `probeMs`, stop; the proxy's peak RSS is sampled over the whole class. Used by
 * `npm run bench:attack` (bench/attack.ts) and, short, by test/e2e/attack-harness.test.ts.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { TEST_ACCESS_KEY_ID, TEST_REGION } from '../test-app.js';
import { MiB, sampleMaxRss } from '../load/process-stats.js';
import { BENCH_KEY_ID, type BenchServer } from '../load/servers.js';
import { createWorkload } from '../load/workloads.js';
import type { AttackClass, AttackOptions, AttackStats } from './attacks.js';
import { openProbeConnections, startProbe, type ProbeSummary } from './probe.js';
import { testTempDir } from '../temp-dir.js';

/** issue 10's targets, for every class with default settings. */
export const TARGETS = Object.freeze({ successRate: 0.99, p99Ms: 250, rssMiB: 512 });

/** The sizes of issue 10's reproductions. */
export const FULL_SIZE: Readonly<Record<AttackClass, Omit<AttackOptions, 'port'>>> = {
  'pipeline-flood': { connections: 50, requests: 5000 },
  'slot-hold': { connections: 1100 },
  'idle-hold': { connections: 4200, requestEveryMs: 30_000 },
};

export interface AttackResult {
  readonly kind: AttackClass;
  readonly probe: ProbeSummary;
  readonly attack: AttackStats;
  readonly maxRssMiB: number;
  readonly refusals: Readonly<Record<string, number>> | undefined;
  readonly passed: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The worker as one plain CommonJS file (esbuild): Node 20 does not apply tsx's loader to a worker's entry point.
 * Built once per process, into a fresh temporary directory (removed with the OS's temp files).
 */
const workerScript = (() => {
  let path: string | undefined;
  return (): string => {
    if (path === undefined) {
      path = join(testTempDir('xks-attack-'), 'attack-worker.cjs');
      buildSync({ entryPoints: [join(import.meta.dirname, 'attack-worker.ts')], outfile: path, bundle: true, platform: 'node', format: 'cjs', logLevel: 'error' });
    }
    return path;
  };
})();

async function refusalsOf(server: BenchServer): Promise<Record<string, number> | undefined> {
  if (server.adminUrl === undefined) return undefined;
  try {
    const status = (await (await fetch(`${server.adminUrl}/status`)).json()) as { refusals?: Record<string, number> };
    return status.refusals;
  } catch {
    return undefined;
  }
}

export async function runAttackClass(
  server: BenchServer,
  kind: AttackClass,
  options: { size?: Omit<AttackOptions, 'port'>; warmupMs: number; probeMs: number; freshConnections?: boolean },
): Promise<AttackResult> {
  const workload = await createWorkload('encrypt-6k', server.port, BENCH_KEY_ID);
  const connections = options.freshConnections === true ? [] : await openProbeConnections(server.port, workload);
  const rss = sampleMaxRss(server.pid, 100);
  const attackOptions: AttackOptions = { ...(options.size ?? FULL_SIZE[kind]), port: server.port, accessKeyId: TEST_ACCESS_KEY_ID, region: TEST_REGION };
  const worker = new Worker(workerScript(), { workerData: { kind, options: attackOptions } });
  try {
    await sleep(options.warmupMs);
    const probe = startProbe(server.port, workload, { connections, fresh: options.freshConnections === true });
    await sleep(options.probeMs);
    const summary = await probe.stop();
    worker.postMessage('stop');
    const [attack] = (await once(worker, 'message')) as [AttackStats];
    const maxRssMiB = rss.stop() / MiB;
    const passed = summary.successRate >= TARGETS.successRate && summary.p99Ms <= TARGETS.p99Ms && maxRssMiB <= TARGETS.rssMiB;
    return { kind, probe: summary, attack, maxRssMiB, refusals: await refusalsOf(server), passed };
  } finally {
    rss.stop();
    await worker.terminate();
  }
}

export function formatAttackResults(results: readonly AttackResult[]): string {
  const lines = [
    `targets (issue 10): >= ${TARGETS.successRate * 100}% of signed requests succeed, p99 <= ${TARGETS.p99Ms} ms, proxy RSS <= ${TARGETS.rssMiB} MiB`,
    '',
    '| attack | attacker connections opened / closed by the proxy | probes | success | resets | timeouts | p50 ms | p99 ms | max ms | proxy peak RSS MiB | result |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const p = r.probe;
    lines.push(
      `| ${r.kind} | ${r.attack.connectionsOpened} / ${r.attack.connectionsClosedByServer} | ${p.sent} | ${(p.successRate * 100).toFixed(2)}% | ${p.resets} | ${p.timeouts} | ` +
        `${p.p50Ms.toFixed(1)} | ${p.p99Ms.toFixed(1)} | ${p.maxMs.toFixed(1)} | ${r.maxRssMiB.toFixed(0)} | ${r.passed ? 'pass' : 'FAIL'} |`,
    );
  }
  for (const r of results) {
    if (r.refusals === undefined) continue;
    const nonZero = Object.entries(r.refusals).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
    lines.push(`${r.kind}: proxy refusal counters: ${nonZero.join(', ') || 'none'}${Object.keys(r.probe.statuses).length > 0 ? `; probe non-200: ${JSON.stringify(r.probe.statuses)}` : ''}`);
  }
  return lines.join('\n');
}
