/**
 * The proxy's memory of recent decisions, for `xks explain <kmsRequestId>` and the KMS console: which checks of the
 * order of checks ran for a request, which one decided, and the facts it decided on. A fixed-size ring: writing is
 * O(1) on the request path, reading (admin listener only) scans it. Everything kept is bounded: the ring's length
 * and the length of every string in a record (an unauthenticated request chooses its path, headers and body).
 * Never holds plaintext, AAD, key material, secrets, signing keys or signatures (test/http/logging.test.ts).
 */

/** The order of checks (docs/api.md "Order of checks"), as the names a decision record uses. */
export const CHECKS = [
  'route',
  'method',
  'sigv4-headers',
  'body-size',
  'signature',
  'concurrency',
  'kill-switch',
  'quota',
  'body',
  'authorization',
  'key',
  'key-state',
  'key-usage',
  'crypto',
] as const;
export type CheckName = (typeof CHECKS)[number];

/** Facts a check decided on: short strings, numbers or lists of strings; never payloads or secrets. */
export type DecisionFacts = Readonly<Record<string, string | number | readonly string[]>>;

export interface DecisionRecord {
  /** ISO time the response was finished. */
  readonly at: string;
  readonly kmsRequestId?: string;
  readonly kmsOperation?: string;
  readonly keyStore?: string;
  /** The XKS operation (GetHealthStatus, GetKeyMetadata, Encrypt, Decrypt) when the route named one. */
  readonly operation?: string;
  readonly externalKeyId?: string;
  readonly accessKeyId?: string;
  readonly status: number;
  readonly errorName?: string;
  /** 'answered' (2xx), 'refused' (an error answer) or 'aborted' (the client went away first). */
  readonly outcome: 'answered' | 'refused' | 'aborted';
  /** Every check that ran, in order; the last one decided when the request was refused. */
  readonly checks: readonly { readonly check: CheckName; readonly result: 'passed' | 'refused' }[];
  readonly decidedBy?: CheckName;
  readonly facts: DecisionFacts;
}

/**
 * What the request path writes: the facts as they are (epoch ms, the fields the request log already holds, the
 * deciding check). The ISO time and the list of checks are built only when a record is read.
 */
export interface DecisionEntry {
  readonly atMs: number;
  readonly kmsRequestId: string | undefined;
  readonly kmsOperation: string | undefined;
  readonly keyStore: string | undefined;
  readonly operation: string | undefined;
  readonly externalKeyId: string | undefined;
  readonly accessKeyId: string | undefined;
  /** 0 when no answer was sent (aborted). */
  readonly status: number;
  readonly errorName: string | undefined;
  readonly outcome: DecisionRecord['outcome'];
  readonly decidedBy: CheckName | undefined;
  readonly facts: DecisionFacts;
}

const COMMON: readonly CheckName[] = ['route', 'method', 'sigv4-headers', 'body-size', 'signature', 'concurrency', 'kill-switch'];
/** The checks each operation runs, in order (docs/api.md "Order of checks"). */
const SEQUENCES: Readonly<Record<string, readonly CheckName[]>> = {
  // spec A7 / A14: health is neither quota-counted, authorized, nor tied to a key; its body needs requestMetadata.
  GetHealthStatus: [...COMMON, 'body'],
  GetKeyMetadata: [...COMMON, 'quota', 'body', 'authorization', 'key'],
  Encrypt: [...COMMON, 'quota', 'body', 'authorization', 'key', 'key-state', 'key-usage', 'crypto'],
  Decrypt: [...COMMON, 'quota', 'body', 'authorization', 'key', 'key-state', 'key-usage', 'crypto'],
};

/** The readable record of an entry: every check that ran, the refusing one last. */
export function toDecisionRecord(e: DecisionEntry): DecisionRecord {
  const sequence = e.operation === undefined ? undefined : SEQUENCES[e.operation];
  let checks: { check: CheckName; result: 'passed' | 'refused' }[];
  if (e.outcome === 'refused' && e.decidedBy !== undefined) {
    const until = sequence?.indexOf(e.decidedBy) ?? -1;
    const passed = until < 0 ? [] : (sequence ?? []).slice(0, until);
    checks = [...passed.map((check) => ({ check, result: 'passed' as const })), { check: e.decidedBy, result: 'refused' }];
  } else {
    checks = (e.outcome === 'aborted' ? [] : (sequence ?? [])).map((check) => ({ check, result: 'passed' as const }));
  }
  return {
    at: new Date(e.atMs).toISOString(),
    ...(e.kmsRequestId !== undefined && { kmsRequestId: e.kmsRequestId }),
    ...(e.kmsOperation !== undefined && { kmsOperation: e.kmsOperation }),
    ...(e.keyStore !== undefined && { keyStore: e.keyStore }),
    ...(e.operation !== undefined && { operation: e.operation }),
    ...(e.externalKeyId !== undefined && { externalKeyId: e.externalKeyId }),
    ...(e.accessKeyId !== undefined && { accessKeyId: clipFact(e.accessKeyId, 64) }),
    status: e.status,
    ...(e.errorName !== undefined && { errorName: e.errorName }),
    outcome: e.outcome,
    checks,
    ...(e.outcome === 'refused' && e.decidedBy !== undefined && { decidedBy: e.decidedBy }),
    facts: e.facts,
  };
}

export interface DecisionLogStats {
  readonly capacity: number;
  readonly size: number;
  /** Records written since start; records beyond `capacity` pushed the oldest out. */
  readonly recorded: number;
}

export interface DecisionLog {
  record(entry: DecisionEntry): void;
  /** Every kept record with this kmsRequestId, newest first. */
  find(kmsRequestId: string): DecisionRecord[];
  /** The newest `limit` records, newest first. */
  recent(limit: number): DecisionRecord[];
  stats(): DecisionLogStats;
}

/** Default ring size: at most this many records (each at most ~MAX_FACT_CHARS * a few) are kept. */
export const DECISION_LOG_CAPACITY = 500;
/** Longest string kept in a record (a canonical request with its signed headers fits). */
export const MAX_FACT_CHARS = 4096;

export function clipFact(value: string, max = MAX_FACT_CHARS): string {
  return value.length <= max ? value : `${value.slice(0, max)}... (${value.length} chars)`;
}

export function createDecisionLog(capacity = DECISION_LOG_CAPACITY): DecisionLog {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  const ring: (DecisionEntry | undefined)[] = new Array<DecisionEntry | undefined>(capacity);
  let written = 0;

  function* newestFirst(): Generator<DecisionEntry> {
    const size = Math.min(written, capacity);
    for (let i = 1; i <= size; i++) {
      const r = ring[(written - i) % capacity];
      if (r !== undefined) yield r;
    }
  }

  return {
    record(entry) {
      ring[written % capacity] = entry;
      written++;
    },
    find(kmsRequestId) {
      const out: DecisionRecord[] = [];
      for (const r of newestFirst()) if (r.kmsRequestId === kmsRequestId) out.push(toDecisionRecord(r));
      return out;
    },
    recent(limit) {
      const out: DecisionRecord[] = [];
      for (const r of newestFirst()) {
        if (out.length >= limit) break;
        out.push(toDecisionRecord(r));
      }
      return out;
    },
    stats: () => ({ capacity, size: Math.min(written, capacity), recorded: written }),
  };
}
