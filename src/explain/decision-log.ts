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

export interface DecisionLogStats {
  readonly capacity: number;
  readonly size: number;
  /** Records written since start; records beyond `capacity` pushed the oldest out. */
  readonly recorded: number;
}

export interface DecisionLog {
  record(record: DecisionRecord): void;
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
  const ring: (DecisionRecord | undefined)[] = new Array<DecisionRecord | undefined>(capacity);
  let written = 0;

  function* newestFirst(): Generator<DecisionRecord> {
    const size = Math.min(written, capacity);
    for (let i = 1; i <= size; i++) {
      const r = ring[(written - i) % capacity];
      if (r !== undefined) yield r;
    }
  }

  return {
    record(record) {
      ring[written % capacity] = record;
      written++;
    },
    find(kmsRequestId) {
      const out: DecisionRecord[] = [];
      for (const r of newestFirst()) if (r.kmsRequestId === kmsRequestId) out.push(r);
      return out;
    },
    recent(limit) {
      const out: DecisionRecord[] = [];
      for (const r of newestFirst()) {
        if (out.length >= limit) break;
        out.push(r);
      }
      return out;
    },
    stats: () => ({ capacity, size: Math.min(written, capacity), recorded: written }),
  };
}
