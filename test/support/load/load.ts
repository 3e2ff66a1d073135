/**
 * Load generators over keep-alive connections (test/support/load/http-connection.ts).
 * - closedLoop: N connections, each sends its next request when the previous answer arrived: the server's
 *   throughput (req/s) and, with its CPU time, its cost per request.
 * - openLoop: requests at a constant rate whatever the answers do, each timed from its INTENDED send time, so a
 *   server that stalls is charged for the queue it causes (a closed loop, or autocannon -R, would just send
 *   less and hide it). A request finds an idle connection or opens a new one (up to maxConnections, then waits).
 */
import { HttpConnection } from './http-connection.js';

export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly elapsedMs: number;
  /** ms, one per answered request (open loop: from the intended send time). */
  readonly latencies: Float64Array;
  /** Open loop: connections opened during the run (one per request the open ones could not take at once). */
  readonly connectionsOpened?: number;
}

function collector(capacity: number) {
  let latencies = new Float64Array(Math.max(1024, capacity));
  let n = 0;
  return {
    add(ms: number) {
      if (n === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[n++] = ms;
    },
    result: () => latencies.slice(0, n),
  };
}

export async function closedLoop(port: number, bytes: () => Buffer, options: { connections: number; durationMs: number }): Promise<LoadResult> {
  const lat = collector(options.connections * 1000);
  let sent = 0;
  let ok = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + options.durationMs;
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      let connection = new HttpConnection(port);
      while (performance.now() < end) {
        const t = performance.now();
        sent += 1;
        try {
          const r = await connection.request(bytes());
          if (r.status === 200) ok += 1;
          else errors += 1;
          lat.add(performance.now() - t);
        } catch {
          errors += 1;
        }
        if (connection.closed) connection = new HttpConnection(port);
      }
      connection.close();
    }),
  );
  return { sent, ok, errors, elapsedMs: performance.now() - start, latencies: lat.result() };
}

export async function openLoop(
  port: number,
  bytes: () => Buffer,
  options: { rate: number; durationMs: number; maxConnections?: number; onTick?: (elapsedMs: number) => void; onAnswer?: (sentAtMs: number, latencyMs: number) => void },
): Promise<LoadResult> {
  const maxConnections = options.maxConnections ?? 256;
  const lat = collector(Math.ceil((options.rate * options.durationMs) / 1000));
  const idle: HttpConnection[] = [];
  const waiting: number[] = [];
  let open = 0;
  let sent = 0;
  let ok = 0;
  let errors = 0;
  let outstanding = 0;
  let opened = 0;
  const start = performance.now();
  const total = Math.floor((options.rate * options.durationMs) / 1000);
  const interval = 1000 / options.rate;

  const run = (connection: HttpConnection, intended: number): void => {
    outstanding += 1;
    connection.request(bytes()).then(
      (r) => {
        if (r.status === 200) ok += 1;
        else errors += 1;
        lat.add(performance.now() - intended);
        options.onAnswer?.(intended - start, performance.now() - intended);
        release(connection);
      },
      () => {
        errors += 1;
        open -= 1;
        outstanding -= 1;
        const next = waiting.shift();
        if (next !== undefined) dispatch(next);
      },
    );
  };
  const release = (connection: HttpConnection): void => {
    outstanding -= 1;
    if (connection.closed) {
      open -= 1;
      connection = new HttpConnection(port);
      open += 1;
      opened += 1;
    }
    const next = waiting.shift();
    if (next !== undefined) run(connection, next);
    else idle.push(connection);
  };
  const dispatch = (intended: number): void => {
    const connection = idle.pop();
    if (connection !== undefined) return run(connection, intended);
    if (open < maxConnections) {
      open += 1;
      opened += 1;
      return run(new HttpConnection(port), intended);
    }
    waiting.push(intended);
  };

  await new Promise<void>((resolve) => {
    let lastTick = 0;
    const tick = (): void => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / interval) + 1);
      while (sent < due) {
        dispatch(start + sent * interval);
        sent += 1;
      }
      if (options.onTick !== undefined && now - lastTick >= 1000) {
        lastTick = now;
        options.onTick(now - start);
      }
      if (sent < total) setTimeout(tick, Math.max(0, Math.min(1, start + sent * interval - now)));
      else resolve();
    };
    tick();
  });
  // Let the last answers arrive (bounded).
  const deadline = performance.now() + 5000;
  while ((outstanding > 0 || waiting.length > 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  errors += outstanding + waiting.length;
  for (const c of idle) c.close();
  return { sent, ok, errors, elapsedMs: performance.now() - start, latencies: lat.result(), connectionsOpened: opened };
}

/** The q-quantile (0..1) of latencies, ms. */
export function quantile(latencies: Float64Array, q: number): number {
  if (latencies.length === 0) return Number.NaN;
  const sorted = Float64Array.from(latencies).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
