import cluster, { type Worker } from 'node:cluster';
import type { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Writable } from 'node:stream';
import { createAdminApp, type DecisionReader } from '../../admin/create-admin-app.js';
import type { DecisionRecord } from '../../explain/decision-log.js';
import type { ProxyStatus, WorkerStatus } from '../../admin/proxy-status.js';
import { ConfigError, type ProxyConfig } from '../../config/load-config.js';
import type { ConfigSnapshot, LoadedConfig } from '../../config/config-snapshot.js';
import type { Logger } from '../../../logging/create-logger.js';
import { createFleetMetrics, parseMetricsJson, type MetricsJson } from '../../metrics/fleet-metrics.js';
import { DEFAULT_RELOAD_DEBOUNCE_MS, filesToWatch } from '../config-reloader.js';
import { DEFAULT_SHUTDOWN_GRACE_MS, listen } from '../start-proxy.js';
import { watchFiles } from '../watch-files.js';
import { parseReloadResult, parseWorkerMessage, type FleetRequestKind, type PrimaryMessage, type WorkerReloadResult } from './fleet-messages.js';
import { mergeFleetStatus } from './merge-fleet-status.js';
import { restartDelayMs, STABLE_WORKER_MS } from './worker-share.js';

export interface FleetPrimaryOptions {
  readonly workers: number;
  readonly config: ProxyConfig;
  /** The bytes `config` was loaded from: what a worker starts from (it never reads the configuration files). */
  readonly snapshot: ConfigSnapshot;
  /** Load and validate the configuration again (SIGHUP, file change): the primary checks it before the workers. */
  readonly load: () => LoadedConfig;
  readonly logger: Logger;
  readonly stderr: Writable;
  readonly stopSignal: Promise<string>;
  readonly reloadSignal?: EventEmitter;
  readonly watch: boolean;
  readonly graceMs?: number;
  /** How long the primary waits for a worker's IPC answer (status, metrics, reload). */
  readonly askTimeoutMs?: number;
}

interface Slot {
  worker: Worker | undefined;
  startedAt: number;
  restarts: number;
  crashes: number;
  ready: boolean;
  banner: string;
  exited: Promise<void>;
  restartTimer: NodeJS.Timeout | undefined;
}

/**
 * `xks serve --workers N` (docs/operations.md): the primary forks N workers that share the listening socket
 * (node:cluster hands out the connections), restarts a worker that dies (with backoff), checks a reload once and
 * passes it to every worker, serves the admin listener (status and metrics of every worker) and stops the fleet
 * gracefully. It serves no XKS request itself.
 */
export async function runFleetPrimary(o: FleetPrimaryOptions): Promise<void> {
  const { logger } = o;
  const graceMs = o.graceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  const askTimeoutMs = o.askTimeoutMs ?? 5_000;
  const slots: Slot[] = [];
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let nextId = 1;
  let stopping = false;
  let started = false;
  let startupFailure: ((error: Error) => void) | undefined;
  const readyWaiters: (() => void)[] = [];
  // What every worker starts from, (re)started or not: the last configuration every running worker accepted. A file
  // broken on disk since then cannot keep a dead worker from being replaced.
  let lastGood = o.snapshot;
  const metrics = createFleetMetrics(() => slots.filter((s) => s.worker !== undefined && s.ready).length);

  function fork(slot: Slot): void {
    const worker = cluster.fork();
    slot.worker = worker;
    slot.startedAt = Date.now();
    slot.ready = false;
    slot.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    // Ctrl-C in a terminal signals the whole process group: the workers stop by themselves while the primary
    // still writes to them, and a write to a closing channel fails (EPIPE). Without a listener that 'error'
    // event would end the primary with exit 1; the worker's own exit is what the fleet acts on.
    worker.on('error', (error: Error) => {
      if (!stopping) logger.warn({ worker: worker.id, error: error.message }, 'worker channel error');
    });
    worker.on('message', (raw: unknown) => {
      const m = parseWorkerMessage(raw);
      if (m === undefined) return;
      if (m.xks === 'config-request') {
        worker.send({ xks: 'config', snapshot: lastGood } satisfies PrimaryMessage);
        return;
      }
      if (m.xks === 'failed') {
        if (!started) startupFailure?.(new Error(`worker ${worker.id} could not start: ${m.error}`));
        else logger.error({ worker: worker.id, error: m.error }, 'worker could not start');
        worker.kill('SIGKILL');
        return;
      }
      if (m.xks === 'ready') {
        slot.ready = true;
        slot.banner = m.banner;
        // A worker restarted while the fleet was stopping: it stops at once too.
        if (stopping) worker.send({ xks: 'shutdown', graceMs } satisfies PrimaryMessage);
        if (started) logger.info({ worker: worker.id, pid: worker.process.pid }, 'worker listening');
        readyWaiters.splice(0).forEach((w) => w());
        return;
      }
      const p = pending.get(m.id);
      if (p === undefined) return;
      pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.error));
    });
    worker.once('exit', (code, signal) => {
      slot.worker = undefined;
      if (stopping) return;
      if (!started) {
        startupFailure?.(new Error(`worker ${worker.id} exited (${signal ?? `code ${code}`}) before it was listening`));
        return;
      }
      const lived = Date.now() - slot.startedAt;
      slot.crashes = lived >= STABLE_WORKER_MS ? 1 : slot.crashes + 1;
      const delay = restartDelayMs(slot.crashes);
      logger.error({ worker: worker.id, pid: worker.process.pid, code, signal, livedMs: lived, restartInMs: delay }, 'worker died; restarting it');
      slot.restartTimer = setTimeout(() => {
        slot.restartTimer = undefined;
        if (stopping) return;
        slot.restarts += 1;
        metrics.countRestart();
        fork(slot);
      }, delay);
    });
  }

  function ask(slot: Slot, kind: FleetRequestKind, reason?: string, args: { kmsRequestId?: string; limit?: number; snapshot?: ConfigSnapshot } = {}): Promise<unknown> {
    const worker = slot.worker;
    if (worker === undefined || !slot.ready || !worker.isConnected()) return Promise.reject(new Error('worker not running'));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`no answer within ${askTimeoutMs} ms`));
      }, askTimeoutMs);
      pending.set(id, { resolve, reject, timer });
      const message: PrimaryMessage = { xks: 'request', id, kind, ...(reason !== undefined && { reason }), ...args };
      worker.send(message);
    });
  }

  async function status(): Promise<ProxyStatus> {
    const workers = await Promise.all(
      slots.map(async (slot, i): Promise<WorkerStatus> => {
        const base = { id: slot.worker?.id ?? 0, pid: slot.worker?.process.pid ?? 0, startedAt: new Date(slot.startedAt).toISOString(), restarts: slot.restarts };
        try {
          return { ...base, status: (await ask(slot, 'status')) as ProxyStatus };
        } catch (error) {
          return { ...base, error: `worker slot ${i + 1}: ${(error as Error).message}` };
        }
      }),
    );
    return { pid: process.pid, ...mergeFleetStatus(workers) };
  }

  /** `xks explain` over the fleet: every worker's records, newest first (each worker keeps its own ring). */
  const fleetDecisions: DecisionReader = {
    find: (kmsRequestId) => askEveryWorker({ kmsRequestId }),
    recent: async (limit) => (await askEveryWorker({ limit })).slice(0, limit),
  };
  async function askEveryWorker(args: { kmsRequestId?: string; limit?: number }): Promise<DecisionRecord[]> {
    const answers = await Promise.all(slots.map((slot) => ask(slot, 'decisions', undefined, args).then((v) => (Array.isArray(v) ? (v as DecisionRecord[]) : []), () => [])));
    return answers.flat().sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  }

  async function aggregatedMetrics(): Promise<string> {
    const answers = await Promise.all(slots.map((slot) => ask(slot, 'metrics').then(parseMetricsJson, () => undefined)));
    return metrics.aggregate(answers.filter((a): a is MetricsJson => a !== undefined));
  }

  let stopWatching: (() => void) | undefined;
  const rewatch = (config: ProxyConfig) => {
    stopWatching?.();
    stopWatching = undefined;
    if (!o.watch || stopping) return;
    stopWatching = watchFiles(filesToWatch(config), (changed) => void reloadAll(`file change: ${changed.join(', ')}`), DEFAULT_RELOAD_DEBOUNCE_MS);
  };

  /** spec A12 / C57 for a fleet: validated once here, then applied by every worker; a rejection is logged once. */
  async function reloadAll(reason: string): Promise<boolean> {
    let next: LoadedConfig;
    try {
      next = o.load();
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
      logger.error({ reason, problems }, 'configuration reload rejected; the previous configuration keeps serving');
      return false;
    }
    // A worker that is (re)starting asks for lastGood when it starts.
    const running = slots.filter((slot) => slot.ready && slot.worker !== undefined);
    const results = await Promise.all(
      running.map((slot) => ask(slot, 'reload', reason, { snapshot: next.snapshot }).then(parseReloadResult, (e: Error): WorkerReloadResult => ({ ok: false, problems: [e.message] }))),
    );
    const failed = results.flatMap((r, i) => (r.ok ? [] : [{ slot: slots.indexOf(running[i] as Slot) + 1, problems: r.problems }]));
    if (failed.length > 0) {
      const problems = [...new Set(failed.flatMap((f) => f.problems))];
      logger.error({ reason, workers: failed.map((f) => f.slot), problems }, 'configuration reload rejected; the previous configuration keeps serving');
      return false;
    }
    lastGood = next.snapshot;
    logger.info({ reason, source: next.config.source, workers: running.length }, 'configuration reloaded on every worker');
    rewatch(next.config);
    return true;
  }

  // The workers accept from the shared socket themselves (SCHED_NONE) instead of the primary accepting and passing
  // each connection on (SCHED_RR, Node's default): with RR a connection handed to a worker at the moment it dies
  // is never answered nor closed (the primary keeps its descriptor), and every connection costs the primary an IPC
  // message. The price is a less even spread over workers (docs/operations.md).
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  // Start: every worker must be listening before the fleet is announced; one that dies first fails the start.
  for (let i = 0; i < o.workers; i++) {
    const slot: Slot = { worker: undefined, startedAt: 0, restarts: 0, crashes: 0, ready: false, banner: '', exited: Promise.resolve(), restartTimer: undefined };
    slots.push(slot);
    fork(slot);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      startupFailure = reject;
      const check = () => (slots.every((s) => s.ready) ? resolve() : readyWaiters.push(check));
      check();
    });
  } catch (error) {
    stopping = true;
    for (const slot of slots) slot.worker?.kill('SIGKILL');
    await Promise.all(slots.map((s) => s.exited));
    throw error;
  }
  started = true;

  const pids = slots.map((s) => s.worker?.process.pid);
  o.stderr.write(`fleet of ${o.workers} workers (pids ${pids.join(', ')}); primary pid ${process.pid}\n`);
  let adminServer: Server | undefined;
  if (o.config.admin !== undefined) {
    adminServer = createServer(createAdminApp({ status, metrics: aggregatedMetrics, metricsContentType: metrics.contentType, decisions: fleetDecisions, ...(o.config.admin.allowedHosts !== undefined && { allowedHosts: o.config.admin.allowedHosts }) }));
    const adminUrl = await listen(adminServer, o.config.admin.port, o.config.admin.host);
    o.stderr.write(`admin listener (xks status) on ${adminUrl}\n`);
  }
  o.stderr.write(`${slots[0]?.banner ?? ''}\n`);
  logger.info({ workers: o.workers, pids }, 'xks-proxy fleet listening');

  rewatch(o.config);
  const onReload = (signal: string) => void reloadAll(signal);
  o.reloadSignal?.on('reload', onReload);
  const signal = await o.stopSignal;

  // Graceful stop: every worker stops accepting and finishes what is in flight (graceMs), then exits.
  stopping = true;
  o.reloadSignal?.off('reload', onReload);
  stopWatching?.();
  logger.info({ signal, graceMs }, 'stopping the fleet');
  for (const slot of slots) {
    clearTimeout(slot.restartTimer);
    if (slot.worker?.isConnected() === true) slot.worker.send({ xks: 'shutdown', graceMs } satisfies PrimaryMessage);
  }
  const hardStop = setTimeout(() => {
    for (const slot of slots) slot.worker?.kill('SIGKILL');
  }, graceMs + 5_000);
  await Promise.all(slots.map((s) => s.exited));
  clearTimeout(hardStop);
  for (const p of pending.values()) clearTimeout(p.timer);
  await new Promise<void>((resolve) => (adminServer === undefined ? resolve() : adminServer.close(() => resolve())));
  logger.info('fleet stopped');
}
