/**
 * The servers a benchmark loads: a real `xks serve` (the compiled dist/main.js when present, as deployed; else
 * through tsx) and the node:http floor (bench/floor-server.ts, compiled to plain JS with esbuild so neither server
 * carries a TypeScript loader). Each is pinned to one CPU with taskset when asked and available.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { processChildren } from './process-cpu.js';
import { createTempProxyDir, MAIN_TS, REPO_ROOT, TSX_LOADER } from '../proxy-process.js';
import { TEST_ACCESS_KEY_ID, TEST_SECRET, testKey, testMaterial } from '../test-app.js';
import { pollUntil } from '../poll-until.js';

export const BENCH_KEY_ID = 'bench-key';

export interface BenchServer {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** Processes serving requests (a `--workers N` proxy: N; else 1). */
  readonly workers: number;
  /** The proxy's loopback admin listener (GET /status), when configured. */
  readonly adminUrl?: string;
  stop(): Promise<void>;
}

const hasTaskset = spawnSync('taskset', ['--version']).status === 0;

/** `node <args>`, under `taskset -c <cpu>` when a CPU is given and taskset exists (same pid: taskset execs). */
function spawnNode(args: readonly string[], cpu: number | undefined, stdio: 'ignore' | 'pipe'): ChildProcess {
  const pin = cpu !== undefined && hasTaskset;
  const command = pin ? 'taskset' : process.execPath;
  const argv = pin ? ['-c', String(cpu), process.execPath, ...args] : [...args];
  return spawn(command, argv, { cwd: REPO_ROOT, stdio: ['ignore', stdio, 'pipe'] });
}

function stopper(child: ChildProcess, cleanup: () => void): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      const done = () => {
        cleanup();
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', done);
      child.kill('SIGTERM');
    });
}

function waitFor<T>(child: ChildProcess, poll: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return pollUntil(
    `${what} to start`,
    () => {
      if (child.exitCode !== null) throw new Error(`${what} did not start (exit ${child.exitCode}):\n${stderr}`);
      return poll();
    },
    { timeoutMs, intervalMs: 25, describe: () => stderr },
  );
}

/**
 * The bench measures the request path, not the quota: its key store's quota (spec A16, default 1800 req/s, the
 * same as KMS's) is raised so a closed loop faster than 1800 req/s is not answered with 429s (which cost less and
 * would flatter the figures) and the constant-rate run does not start on a bucket the closed loop emptied.
 */
export const BENCH_QUOTA = { requestsPerSecond: 1_000_000 };

/** A real proxy with one key store and one key; logging at `logLevel` to stdout, which is discarded. */
export async function startProxyServer(options: {
  logLevel: string;
  cpu?: number;
  extraConfig?: Record<string, unknown>;
  /** Merged into the key store's configuration (bench.ts: BENCH_QUOTA); default: the defaults, as the attack harness needs. */
  storeConfig?: Record<string, unknown>;
  /** Run src/ through tsx even when dist/ exists (tests: dist/ may be stale). */
  fromSource?: boolean;
  /** `xks serve --workers N` (N > 1: a primary and N workers, all on `cpu` when given); named `proxy-<N>w`. */
  workers?: number;
}): Promise<BenchServer> {
  const dir = createTempProxyDir({
    keys: [testKey(BENCH_KEY_ID)],
    logLevel: options.logLevel,
    extraConfig: { admin: { host: '127.0.0.1', port: 0 }, ...options.extraConfig },
    ...(options.storeConfig !== undefined && { storeConfig: options.storeConfig }),
  });
  const dist = join(REPO_ROOT, 'dist', 'main.js');
  const entry = existsSync(dist) && options.fromSource !== true ? [dist] : ['--import', TSX_LOADER, MAIN_TS];
  const workers = options.workers ?? 1;
  const child = spawnNode([...entry, 'serve', '--no-watch', '--config', dir.configPath, ...(workers > 1 ? ['--workers', String(workers)] : [])], options.cpu, 'ignore');
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await waitFor(child, () => /listening on (http:\/\/\S+)/.exec(stderr)?.[1], 'xks serve');
  const adminUrl = /admin listener \(xks status\) on (http:\/\/\S+)/.exec(stderr)?.[1];
  if (workers > 1 && options.cpu !== undefined && hasTaskset) await spreadWorkers(child.pid ?? 0, workers);
  return { name: workers > 1 ? `proxy-${workers}w` : 'proxy', workers, pid: child.pid ?? 0, port: Number(new URL(url).port), ...(adminUrl !== undefined && { adminUrl }), stop: stopper(child, dir.cleanup) };
}

/**
 * A fleet's workers one per CPU (worker i on CPU i mod CPUs; the primary stays where it was started), as they run on a
 * machine with a core per worker: what N workers cost per request is then measured without N processes taking turns
 * on one core, which would charge them for cache and scheduling effects a real fleet does not have.
 */
async function spreadWorkers(primaryPid: number, workers: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  let pids: number[] = [];
  while (Date.now() < deadline) {
    pids = processChildren(primaryPid);
    if (pids.length >= workers) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  // os.cpus(): the machine's CPUs (availableParallelism() counts this process's, and the bench runs pinned to one).
  const cpuCount = cpus().length;
  pids.forEach((pid, i) => spawnSync('taskset', ['-a', '-p', '-c', String(i % cpuCount), String(pid)], { stdio: 'ignore' }));
}

/** The node:http floor server, with the same credential and key material as the proxy's bench key. */
export async function startFloorServer(options: { cpu?: number }): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'xks-floor-'));
  const script = join(dir, 'floor-server.mjs');
  buildSync({ entryPoints: [join(REPO_ROOT, 'bench', 'floor-server.ts')], outfile: script, platform: 'node', format: 'esm', logLevel: 'error' });
  const portFile = join(dir, 'port');
  const keyHex = Buffer.from(testMaterial(`${BENCH_KEY_ID}/v1`)).toString('hex');
  const child = spawnNode([script, portFile, TEST_ACCESS_KEY_ID, TEST_SECRET, keyHex], options.cpu, 'ignore');
  const port = await waitFor(child, () => (existsSync(portFile) ? Number(readFileSync(portFile, 'utf8')) || undefined : undefined), 'floor server');
  return { name: 'floor', workers: 1, pid: child.pid ?? 0, port, stop: stopper(child, () => rmSync(dir, { recursive: true, force: true })) };
}

export const taskset = hasTaskset;
