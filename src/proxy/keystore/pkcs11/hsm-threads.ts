import { Worker } from 'node:worker_threads';
import { rebuildFailure, type HsmCall, type HsmResult } from './hsm-call.js';
import { decodeResult, encodeCall, type ResultMessage } from './hsm-wire.js';

/** A thread died (an uncaught error in it): its calls fail like a device error, and the next call starts another. */
export class HsmThreadError extends Error {
  override readonly name = 'HsmThreadError';
}

export interface HsmThreads {
  /** Run one call on the least busy thread. */
  run(call: HsmCall): Promise<HsmResult>;
  /** Resolves once every thread has loaded the library, or failed to, or STARTUP_LIMIT_MS passed; never rejects. */
  readonly ready: Promise<void>;
  /** Threads running, and calls handed to them and not answered yet. */
  stats(): { readonly threads: number; readonly inFlight: number };
  /** Stop every thread (the backend calls it once no call is in flight). */
  close(): Promise<void>;
}

interface Thread {
  readonly worker: Worker;
  readonly pending: Map<number, { resolve: (r: HsmResult) => void; reject: (e: Error) => void; sentAt: number }>;
}

/** A call waits behind a running one only if that one started less than this ago (ms). */
const QUEUE_BEHIND_MS = 2;

/** How long the first calls wait for the threads to start before going ahead anyway. */
const STARTUP_LIMIT_MS = 10_000;

/** hsm-thread.js next to this file (dist/), or hsm-thread.ts when this runs from source through tsx (tests). */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const THREAD_ENTRY = new URL(`./hsm-thread.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);

/**
 * From source, the thread registers tsx's loader itself before loading its entry: Node.js 20's worker threads do not
 * inherit loaders registered with --import. dist/ never gets here (tsx is a development dependency).
 */
function newWorker(workerData: unknown): Worker {
  if (!FROM_SOURCE) return new Worker(THREAD_ENTRY, { workerData });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${tsx}).then((tsx) => { tsx.register(); return import(${JSON.stringify(THREAD_ENTRY.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Which thread takes a call, in their order (-1: none of them; the caller then takes the least busy): the first with
 * nothing to do, or with one call handed over less than QUEUE_BEHIND_MS ago. A fast HSM's calls thus gather on the
 * first threads, and a thread takes two in one wake-up (each wake-up of a thread costs as much CPU as the PKCS#11
 * work itself); a call is never put behind one that is slow or stuck.
 */
export function packedChoice(loads: readonly { readonly waiting: number; readonly oldestAt: number }[], now: number): number {
  return loads.findIndex((l) => l.waiting === 0 || (l.waiting === 1 && now - l.oldestAt < QUEUE_BEHIND_MS));
}

/**
 * The threads that run the PKCS#11 backend's per-request calls (docs/hsm.md "Sessions and threads"): the event loop
 * only posts a call and takes its answer, so C_EncryptInit, C_Encrypt and the rest never run on it, whatever the
 * HSM's latency. `count` threads, started at once, each running one call at a time; a call goes where packedChoice
 * says, else to the thread with the fewest calls waiting. A thread that dies is replaced at the next call. Threads are unref'd: they never keep
 * the process alive.
 */
export function startHsmThreads(options: { modulePath: string; count: number }): HsmThreads {
  const threads: Thread[] = [];
  let nextId = 0;
  let inFlight = 0;

  function start(onStarted?: () => void): Thread {
    const worker = newWorker({ modulePath: options.modulePath });
    const thread: Thread = { worker, pending: new Map() };
    worker.unref();
    worker.on('message', (m: ResultMessage | 'ready') => {
      if (m === 'ready') return onStarted?.();
      const waiter = thread.pending.get(m.id);
      if (waiter === undefined) return;
      thread.pending.delete(m.id);
      inFlight--;
      const answer = decodeResult(m);
      if ('failure' in answer) waiter.reject(rebuildFailure(answer.failure));
      else waiter.resolve(answer.result);
    });
    const die = (reason: string): void => {
      onStarted?.();
      const i = threads.indexOf(thread);
      if (i >= 0) threads.splice(i, 1);
      for (const waiter of thread.pending.values()) waiter.reject(new HsmThreadError(reason));
      inFlight -= thread.pending.size;
      thread.pending.clear();
    };
    worker.on('error', (error) => die(`HSM thread failed: ${error.message.split('\n')[0] ?? 'error'}`));
    worker.on('exit', (code) => die(`HSM thread exited (${code})`));
    threads.push(thread);
    return thread;
  }

  const ready = new Promise<void>((resolve) => {
    let starting = options.count;
    const timer = setTimeout(resolve, STARTUP_LIMIT_MS);
    timer.unref();
    for (let i = 0; i < options.count; i++) {
      let counted = false;
      start(() => {
        if (counted) return;
        counted = true;
        if (--starting === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });

  function pick(): Thread {
    const now = performance.now();
    const chosen = threads[packedChoice(threads.map((t) => ({ waiting: t.pending.size, oldestAt: t.pending.values().next().value?.sentAt ?? now })), now)];
    if (chosen !== undefined) return chosen;
    let best: Thread | undefined;
    for (const t of threads) if (best === undefined || t.pending.size < best.pending.size) best = t;
    return best === undefined || (best.pending.size > 0 && threads.length < options.count) ? start() : best;
  }

  return {
    run(call) {
      const thread = pick();
      const id = nextId++;
      inFlight++;
      const { message, transfer } = encodeCall(id, call);
      return new Promise<HsmResult>((resolve, reject) => {
        thread.pending.set(id, { resolve, reject, sentAt: performance.now() });
        thread.worker.postMessage(message, transfer);
      });
    },
    ready,
    stats: () => ({ threads: threads.length, inFlight }),
    async close() {
      await Promise.all(threads.splice(0).map((t) => t.worker.terminate()));
    },
  };
}
