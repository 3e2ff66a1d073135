/**
 * Keep-alive connections to each XKS proxy, and the emulator's own queue in front of them, so that the proxy's
 * 250 ms budget (clause A16) measures the proxy and not the emulator:
 * - per proxy endpoint at most `maxConnections` calls are on the wire at once (one keep-alive socket each); more
 *   calls wait in a bounded FIFO queue. Queue time is reported separately and never counts against the proxy;
 * - a full queue, or a call that waited longer than `queueTimeoutMs`, fails as the emulator's overload
 *   (phase `emulator-queue`), never as a proxy timeout;
 * - when the emulator is the bottleneck (calls queued for long, queue refusals, its event loop late) it says so
 *   in its log (rate-limited) and in the status view.
 * Created by the app (no module-level state); closed with it.
 */
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';

export interface XksPoolOptions {
  /** Calls on the wire at once per proxy endpoint (and keep-alive sockets kept). */
  readonly maxConnections: number;
  /** Calls that may wait for a connection per endpoint; beyond, a call fails at once as emulator overload. */
  readonly queueLimit: number;
  /** A call that waited this long for a connection fails as emulator overload (the proxy was not called). */
  readonly queueTimeoutMs: number;
  /** Idle keep-alive sockets are closed after this (below the proxy's own keep-alive timeout, 5 s in Node). */
  readonly idleSocketMs: number;
}

export const DEFAULT_POOL_OPTIONS: XksPoolOptions = Object.freeze({ maxConnections: 4, queueLimit: 2000, queueTimeoutMs: 10_000, idleSocketMs: 4000 });

/** Queue waits above this are logged and shown as "the emulator is the bottleneck". */
const SLOW_QUEUE_MS = 50;
const LOG_EVERY_MS = 1000;

export interface ProxyConnectionStats {
  readonly endpoint: string;
  readonly maxConnections: number;
  readonly inFlight: number;
  readonly queued: number;
  readonly calls: number;
  readonly maxQueued: number;
  readonly queueWaitMsMax: number;
  readonly queueWaitMsAvg: number;
  /** Calls refused because the queue was full or waited too long: the emulator's failures, not the proxy's. */
  readonly emulatorRefusals: number;
  /** Times the budget timer fired late because the emulator's event loop was busy (the call got that time back). */
  readonly emulatorLagEvents: number;
  /** Timeouts within the budget, attributed to the proxy. */
  readonly proxyTimeouts: number;
  /** 'emulator' while calls wait for a connection (or recently did, or were refused); else 'none'. */
  readonly bottleneck: 'emulator' | 'none';
  readonly lastBottleneck: { readonly at: string; readonly reason: string } | null;
}

export type Acquired = { readonly ok: true; readonly queueMs: number; readonly agent: http.Agent; release(): void } | { readonly ok: false; readonly queueMs: number; readonly detail: string };

export interface XksConnectionPool {
  /** Waits (FIFO, bounded) for a connection slot to `origin` (scheme://host:port). */
  acquire(origin: string, secure: boolean): Promise<Acquired>;
  /** The call's outcome, for the counters. */
  record(origin: string, event: 'proxy-timeout' | 'emulator-lag', detail: string): void;
  stats(): ProxyConnectionStats[];
  close(): void;
}

interface Endpoint {
  readonly origin: string;
  readonly agent: http.Agent;
  inFlight: number;
  readonly waiters: { readonly enqueued: number; grant: (a: Acquired) => void; readonly timer: NodeJS.Timeout }[];
  calls: number;
  maxQueued: number;
  queueWaitMsMax: number;
  queueWaitMsTotal: number;
  emulatorRefusals: number;
  emulatorLagEvents: number;
  proxyTimeouts: number;
  lastBottleneck: { at: number; reason: string } | undefined;
  lastLog: number;
}

export function createXksConnectionPool(options: XksPoolOptions, logger: Logger, clock: () => number = Date.now): XksConnectionPool {
  const endpoints = new Map<string, Endpoint>();

  function endpointFor(origin: string, secure: boolean): Endpoint {
    let e = endpoints.get(origin);
    if (e === undefined) {
      const agentOptions = { keepAlive: true, maxSockets: options.maxConnections, maxFreeSockets: options.maxConnections, timeout: options.idleSocketMs, scheduling: 'lifo' as const };
      e = {
        origin,
        agent: secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions),
        inFlight: 0,
        waiters: [],
        calls: 0,
        maxQueued: 0,
        queueWaitMsMax: 0,
        queueWaitMsTotal: 0,
        emulatorRefusals: 0,
        emulatorLagEvents: 0,
        proxyTimeouts: 0,
        lastBottleneck: undefined,
        lastLog: 0,
      };
      endpoints.set(origin, e);
    }
    return e;
  }

  function bottleneck(e: Endpoint, reason: string): void {
    const now = clock();
    e.lastBottleneck = { at: now, reason };
    if (now - e.lastLog >= LOG_EVERY_MS) {
      e.lastLog = now;
      logger.warn({ proxyEndpoint: e.origin, inFlight: e.inFlight, queued: e.waiters.length, reason }, 'the KMS emulator is the bottleneck, not the proxy');
    }
  }

  function grantSlot(e: Endpoint, enqueued: number): Acquired {
    e.inFlight++;
    e.calls++;
    const queueMs = clock() - enqueued;
    e.queueWaitMsTotal += queueMs;
    if (queueMs > e.queueWaitMsMax) e.queueWaitMsMax = queueMs;
    if (queueMs > SLOW_QUEUE_MS) bottleneck(e, `a call waited ${queueMs} ms for a connection (${options.maxConnections} in use)`);
    let released = false;
    return {
      ok: true,
      queueMs,
      agent: e.agent,
      release: () => {
        if (released) return;
        released = true;
        e.inFlight--;
        const next = e.waiters.shift();
        if (next !== undefined) {
          clearTimeout(next.timer);
          next.grant(grantSlot(e, next.enqueued));
        }
      },
    };
  }

  return {
    acquire(origin, secure) {
      const e = endpointFor(origin, secure);
      const enqueued = clock();
      if (e.inFlight < options.maxConnections && e.waiters.length === 0) return Promise.resolve(grantSlot(e, enqueued));
      if (e.waiters.length >= options.queueLimit) {
        e.emulatorRefusals++;
        const detail = `the emulator's queue for ${origin} is full (${options.queueLimit} calls waiting, ${options.maxConnections} on the wire)`;
        bottleneck(e, detail);
        return Promise.resolve({ ok: false, queueMs: 0, detail });
      }
      return new Promise<Acquired>((resolve) => {
        const waiter = {
          enqueued,
          grant: resolve,
          timer: setTimeout(() => {
            const i = e.waiters.indexOf(waiter);
            if (i >= 0) e.waiters.splice(i, 1);
            e.emulatorRefusals++;
            const detail = `waited ${options.queueTimeoutMs} ms for a connection to ${origin} in the emulator's queue`;
            bottleneck(e, detail);
            resolve({ ok: false, queueMs: clock() - enqueued, detail });
          }, options.queueTimeoutMs),
        };
        e.waiters.push(waiter);
        if (e.waiters.length > e.maxQueued) e.maxQueued = e.waiters.length;
      });
    },

    record(origin, event, detail) {
      const e = endpoints.get(origin);
      if (e === undefined) return;
      if (event === 'proxy-timeout') e.proxyTimeouts++;
      else {
        e.emulatorLagEvents++;
        bottleneck(e, detail);
      }
    },

    stats() {
      const now = clock();
      return [...endpoints.values()].map((e) => ({
        endpoint: e.origin,
        maxConnections: options.maxConnections,
        inFlight: e.inFlight,
        queued: e.waiters.length,
        calls: e.calls,
        maxQueued: e.maxQueued,
        queueWaitMsMax: e.queueWaitMsMax,
        queueWaitMsAvg: e.calls === 0 ? 0 : Math.round((e.queueWaitMsTotal / e.calls) * 10) / 10,
        emulatorRefusals: e.emulatorRefusals,
        emulatorLagEvents: e.emulatorLagEvents,
        proxyTimeouts: e.proxyTimeouts,
        bottleneck: e.waiters.length > 0 || (e.lastBottleneck !== undefined && now - e.lastBottleneck.at < 10_000) ? 'emulator' : 'none',
        lastBottleneck: e.lastBottleneck === undefined ? null : { at: new Date(e.lastBottleneck.at).toISOString(), reason: e.lastBottleneck.reason },
      }));
    },

    close() {
      for (const e of endpoints.values()) {
        for (const w of e.waiters.splice(0)) {
          clearTimeout(w.timer);
          w.grant({ ok: false, queueMs: clock() - w.enqueued, detail: 'the emulator is shutting down' });
        }
        e.agent.destroy();
      }
      endpoints.clear();
    },
  };
}
