/**
 * Counters of work the front door refused or cut short, one per limit (docs/configuration.md "Limits and slow clients"). One
 * object per process, created by startProxy and read by whoever exports figures (GET /status, metrics): the
 * counters only ever grow, so a reader computes rates from two snapshots.
 */
export const REFUSAL_REASONS = Object.freeze([
  /** A new connection closed at once: limits.maxConnections or limits.maxConnectionsPerAddress reached. */
  'connections',
  /** An idle keep-alive connection closed to keep room for new ones (limits.reservedConnections). */
  'idleClosed',
  /** A connection closed for queueing more than limits.maxPipelinedRequests / maxPipelinedBytes. */
  'pipelining',
  /** A request dropped without any work because its connection was already gone. */
  'connectionGone',
  /** Request headers not complete within limits.headersTimeoutMs. */
  'headersTimeout',
  /** Request body not complete by its deadline (40-90% of limits.requestTimeoutMs after the headers, read-body.ts) or within limits.requestTimeoutMs. */
  'slowBody',
  /** Request refused because limits.maxBodyBytesInFlight of bodies were already arriving. */
  'bodyBudget',
  /** Malformed HTTP (400) or headers above limits.maxHeaderBytes (431), answered by the HTTP parser. */
  'malformed',
  /** 429: the key store's quota. */
  'quota',
  /** 429: throttling.maxConcurrentRequests. */
  'concurrency',
  /** A refused client still sending its body when limits.lingeringCloseMs or lingeringCloseMaxBytes ran out. */
  'lingeringCut',
] as const);

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface RefusalCounters {
  increment(reason: RefusalReason): void;
  /** A copy: every reason with its count since the process started. */
  snapshot(): Readonly<Record<RefusalReason, number>>;
}

export function createRefusalCounters(): RefusalCounters {
  const counts = Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<RefusalReason, number>;
  return {
    increment(reason) {
      counts[reason] += 1;
    },
    snapshot() {
      return Object.freeze({ ...counts });
    },
  };
}

/** At most one log line per reason per this many ms: a flood of refusals must not become a flood of log lines. */
export const REFUSAL_LOG_INTERVAL_MS = 10_000;

const REFUSAL_MESSAGES: Readonly<Partial<Record<RefusalReason, string>>> = {
  connections: 'connection refused: limits.maxConnections or limits.maxConnectionsPerAddress reached',
  idleClosed: 'idle connection closed to keep room for new ones (limits.reservedConnections)',
  pipelining: 'connection closed: more pipelined requests or bytes than limits.maxPipelinedRequests / maxPipelinedBytes',
  headersTimeout: 'connection closed: request headers not received within limits.headersTimeoutMs',
  slowBody: 'connection closed: request body not received within limits.requestTimeoutMs',
  malformed: 'connection closed: malformed HTTP request or headers above limits.maxHeaderBytes',
};

/**
 * Log connection-level refusals (those without a request log line of their own) without letting an attacker fill
 * the log: the first of each reason at once, then one line per reason per REFUSAL_LOG_INTERVAL_MS with the count.
 */
export function createRefusalLog(
  logger: { warn(fields: object, msg: string): void },
  clock: () => number,
): (reason: RefusalReason, detail: { remoteAddress?: string }) => void {
  const last = new Map<RefusalReason, { at: number; suppressed: number }>();
  return (reason, detail) => {
    const message = REFUSAL_MESSAGES[reason];
    if (message === undefined) return;
    const now = clock();
    const entry = last.get(reason);
    if (entry !== undefined && now - entry.at < REFUSAL_LOG_INTERVAL_MS) {
      entry.suppressed += 1;
      return;
    }
    logger.warn({ refusal: reason, ...detail, ...(entry !== undefined && entry.suppressed > 0 && { alsoSinceLastLine: entry.suppressed }) }, message);
    last.set(reason, { at: now, suppressed: 0 });
  };
}
