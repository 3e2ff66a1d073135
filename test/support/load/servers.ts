/**
 * The servers a benchmark loads: a real `xks serve` (the compiled dist/main.js when present, as deployed; else
 * through tsx) and the node:http floor (bench/floor-server.ts, compiled to plain JS with esbuild so neither server
 * carries a TypeScript loader). Each is pinned to one CPU with taskset when asked and available.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { processChildren } from './process-cpu.js';
import { createTempProxyDir, MAIN_TS, REPO_ROOT, TSX_LOADER } from '../proxy-process.js';
import { TEST_ACCESS_KEY_ID, TEST_SECRET, testKey, testMaterial } from '../test-app.js';
import { pollUntil } from '../poll-until.js';
import { createSoftHsmToken, softHsmMissing } from '../softhsm.js';

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

/**
 * `<node> <args>` (default: this process's runtime), under `taskset -c <cpu>` when a CPU is given and taskset exists
 * (same pid: taskset execs).
 */
function spawnNode(args: readonly string[], cpu: number | undefined, stdio: 'ignore' | 'pipe', node = process.execPath, env?: Record<string, string>): ChildProcess {
  const pin = cpu !== undefined && hasTaskset;
  const command = pin ? 'taskset' : node;
  const argv = pin ? ['-c', String(cpu), node, ...args] : [...args];
  return spawn(command, argv, { cwd: REPO_ROOT, stdio: ['ignore', stdio, 'pipe'], ...(env !== undefined && { env: { ...process.env, ...env } }) });
}

/** Another Node.js to run a bench server with: the binary and its version (`v26.12.1`), the suffix of its rows. */
export interface BenchRuntime {
  readonly node: string;
  readonly version: string;
}

/**
 * `--node` of `npm run bench`: a path to a node binary, or a line (`26`, `22.12.0`) as scripts/test-on-node.sh
 * installs it (${XKS_NODE_CACHE:-~/.cache/xks-proxy/node}/<line>/node_modules/node-<os>-<arch>/bin/node).
 */
export function resolveBenchRuntime(spec: string, env: NodeJS.ProcessEnv = process.env): BenchRuntime {
  const arch = process.arch === 'x64' || process.arch === 'arm64' ? process.arch : 'x64';
  const cacheRoot = env['XKS_NODE_CACHE'] ?? join(env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'xks-proxy', 'node');
  const node = /^\d+(\.\d+\.\d+)?$/.test(spec) ? join(cacheRoot, spec, 'node_modules', `node-${process.platform}-${arch}`, 'bin', 'node') : spec;
  const run = spawnSync(node, ['--version'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`--node ${spec}: ${node} does not run${/^\d/.test(spec) ? ` (install it with: scripts/test-on-node.sh ${spec} true)` : ''}`);
  return { node, version: run.stdout.trim() };
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

/** Why a bench cannot run a SoftHSM-backed proxy here (softhsm2 or opensc missing), or undefined when it can. */
export const benchSoftHsmMissing = softHsmMissing;

/**
 * A real proxy with one key store and one key; logging at `logLevel` to stdout, which is discarded. With `softHsm`,
 * the key store keeps its key in a fresh SoftHSM2 token (its own SOFTHSM2_CONF under a temp dir, made with
 * softhsm2-util; the key `bench-key` generated in it by pkcs11-tool), served through the PKCS#11 backend
 * (docs/hsm.md); the server is named `proxy-hsm` and the token is removed when it stops.
 */
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
  /** Run it on another Node.js (named `proxy@<version>`); default: this process's runtime, unsuffixed. */
  runtime?: BenchRuntime;
  /** Keep the key in a fresh SoftHSM2 token (check benchSoftHsmMissing() first); named `proxy-hsm`. */
  softHsm?: boolean;
  /** With softHsm: merged into the key store's `pkcs11` block (e.g. `{ sessions: 16 }`). */
  pkcs11?: Record<string, unknown>;
  /** Node.js options before the entry (e.g. `['--import', <bench/support/loop-probe.mjs>]`). */
  nodeArgs?: readonly string[];
  /** Added to the proxy's environment (over this process's and the SoftHSM token's). */
  env?: Record<string, string>;
}): Promise<BenchServer> {
  const hsm = options.softHsm === true ? createSoftHsmToken('bench') : undefined;
  hsm?.keygen(BENCH_KEY_ID);
  const dir = createTempProxyDir({
    keys: hsm === undefined ? [testKey(BENCH_KEY_ID)] : [],
    logLevel: options.logLevel,
    extraConfig: { admin: { host: '127.0.0.1', port: 0 }, ...options.extraConfig },
    ...((options.storeConfig !== undefined || hsm !== undefined) && {
      storeConfig: { ...options.storeConfig, ...(hsm !== undefined && { keyDirectory: undefined, pkcs11: hsm.configBlock(options.pkcs11) }) },
    }),
  });
  const cleanup = (): void => {
    dir.cleanup();
    hsm?.cleanup();
  };
  const dist = join(REPO_ROOT, 'dist', 'main.js');
  const entry = existsSync(dist) && options.fromSource !== true ? [dist] : ['--import', TSX_LOADER, MAIN_TS];
  const workers = options.workers ?? 1;
  const args = [...(options.nodeArgs ?? []), ...entry, 'serve', '--no-watch', '--config', dir.configPath, ...(workers > 1 ? ['--workers', String(workers)] : [])];
  const env = hsm?.env === undefined && options.env === undefined ? undefined : { ...hsm?.env, ...options.env };
  const child = spawnNode(args, options.cpu, 'ignore', options.runtime?.node, env);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await waitFor(child, () => /listening on (http:\/\/\S+)/.exec(stderr)?.[1], 'xks serve').catch((error: unknown) => {
    cleanup();
    throw error;
  });
  const adminUrl = /admin listener \(xks status\) on (http:\/\/\S+)/.exec(stderr)?.[1];
  if (workers > 1 && options.cpu !== undefined && hasTaskset) await spreadWorkers(child.pid ?? 0, workers);
  const base = hsm === undefined ? 'proxy' : 'proxy-hsm';
  const name = `${workers > 1 ? `${base}-${workers}w` : base}${options.runtime === undefined ? '' : `@${options.runtime.version}`}`;
  return { name, workers, pid: child.pid ?? 0, port: Number(new URL(url).port), ...(adminUrl !== undefined && { adminUrl }), stop: stopper(child, cleanup) };
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
export async function startFloorServer(options: { cpu?: number; runtime?: BenchRuntime }): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'xks-floor-'));
  const script = join(dir, 'floor-server.mjs');
  buildSync({ entryPoints: [join(REPO_ROOT, 'bench', 'floor-server.ts')], outfile: script, platform: 'node', format: 'esm', logLevel: 'error' });
  const portFile = join(dir, 'port');
  const keyHex = Buffer.from(testMaterial(`${BENCH_KEY_ID}/v1`)).toString('hex');
  const child = spawnNode([script, portFile, TEST_ACCESS_KEY_ID, TEST_SECRET, keyHex], options.cpu, 'ignore', options.runtime?.node);
  const port = await waitFor(child, () => (existsSync(portFile) ? Number(readFileSync(portFile, 'utf8')) || undefined : undefined), 'floor server');
  return { name: options.runtime === undefined ? 'floor' : `floor@${options.runtime.version}`, workers: 1, pid: child.pid ?? 0, port, stop: stopper(child, () => rmSync(dir, { recursive: true, force: true })) };
}

export const taskset = hasTaskset;

/**
 * Give one process's event-loop thread (its main thread, whose id is the pid) a CPU of its own: every thread of it to
 * `othersCpu` first (the HSM threads that run the PKCS#11 calls, libuv's pool and V8's helpers), then
 * the event-loop thread alone to `loopCpu`. Call it after a warm-up: a thread made later inherits the event-loop
 * thread's CPU.
 */
export function pinEventLoop(pid: number, loopCpu: number, othersCpu: number): void {
  for (const args of [['-a', '-p', '-c', String(othersCpu), String(pid)], ['-p', '-c', String(loopCpu), String(pid)]]) {
    if (spawnSync('taskset', args, { stdio: 'ignore' }).status !== 0) throw new Error(`taskset ${args.join(' ')} failed`);
  }
}
