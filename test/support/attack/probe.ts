/**
 * The legitimate client of the attack harness: a signed Encrypt (6 KB, KMS's typical request) every `everyMs`,
 * over keep-alive connections as KMS would use them, each timed from its intended send time. A request that gets
 * no answer within `timeoutMs` fails (and its connection is dropped); so does any answer other than 200 and any
 * connection error (a reset: what KMS would see as the proxy being unreachable).
 */
import { HttpConnection } from '../load/http-connection.js';
import { quantile } from '../load/load.js';
import type { Workload } from '../load/workloads.js';

export interface ProbeSummary {
  readonly sent: number;
  readonly ok: number;
  readonly successRate: number;
  readonly resets: number;
  /**
   * Requests written to a keep-alive connection the proxy had closed while it was idle (its FIN not yet read): retried
   * once on a new connection, as every HTTP client does (RFC 9112 section 9.3.1); the retry's latency still counts
   * from the intended send time. Not a reset: the proxy never had the request.
   */
  readonly staleRetries: number;
  readonly timeouts: number;
  /** Answers other than 200, by status. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Keep-alive connections that have already served one request: what KMS holds when an attack begins. */
export async function openProbeConnections(port: number, workload: Workload, count = 2): Promise<HttpConnection[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const connection = new HttpConnection(port);
      const r = await connection.request(workload.bytes());
      if (r.status !== 200) throw new Error(`probe warm-up failed: ${r.status} ${r.body.toString()}`);
      return connection;
    }),
  );
}

export function startProbe(
  port: number,
  workload: Workload,
  options: {
    everyMs?: number;
    timeoutMs?: number;
    connections?: HttpConnection[];
    /** A new connection for every request (a client that has no open connection when the attack begins). */
    fresh?: boolean;
  } = {},
): { stop(): Promise<ProbeSummary> } {
  const everyMs = options.everyMs ?? 50;
  const timeoutMs = options.timeoutMs ?? 1000;
  const idle: HttpConnection[] = [...(options.connections ?? [])];
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let ok = 0;
  let resets = 0;
  let staleRetries = 0;
  let timeouts = 0;
  const start = performance.now();
  let refreshed = start;

  const send = (intended: number, isRetry = false): void => {
    let connection = isRetry ? undefined : idle.pop();
    while (connection?.closed === true) connection = idle.pop(); // closed by the proxy while idle: not a failure
    const reused = connection !== undefined;
    connection ??= new HttpConnection(port);
    if (!isRetry) sent += 1;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const run = Promise.race([connection.request(workload.bytes()), timeout]).then(
      (r) => {
        if (r === 'timeout') {
          timeouts += 1;
          latencies.push(timeoutMs); // counted at the bound: p99 must not look better for a stall
          connection.close();
          return;
        }
        latencies.push(performance.now() - intended);
        if (r.status === 200) ok += 1;
        else statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (options.fresh === true) connection.close();
        else if (!connection.closed) idle.push(connection);
      },
      () => {
        connection.close();
        if (reused) {
          staleRetries += 1;
          send(intended, true);
          return;
        }
        resets += 1;
      },
    );
    const tracked = run.finally(() => {
      clearTimeout(timer);
      inFlight.delete(tracked);
    });
    inFlight.add(tracked);
  };

  let next = start;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    const now = performance.now();
    if (now - refreshed > 60_000) {
      workload.refresh(); // a signature is good for 5 minutes
      refreshed = now;
    }
    while (next <= now) {
      send(next);
      next += everyMs;
    }
    timer = setTimeout(tick, Math.max(0, next - performance.now()));
  };
  tick();

  return {
    async stop() {
      clearTimeout(timer);
      while (inFlight.size > 0) await Promise.all([...inFlight]); // a stale retry joins while others finish
      for (const c of idle) c.close();
      const l = Float64Array.from(latencies);
      return { sent, ok, successRate: sent === 0 ? 0 : ok / sent, resets, staleRetries, timeouts, statuses, p50Ms: quantile(l, 0.5), p99Ms: quantile(l, 0.99), maxMs: quantile(l, 1) };
    },
  };
}
