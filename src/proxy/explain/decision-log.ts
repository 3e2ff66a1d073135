/**
 * The proxy's memory of recent decisions, for `xks explain <kmsRequestId>` and the KMS console: which checks of the
 * order of checks ran for a request, which one decided, and the facts it decided on. A fixed-size ring: writing is
 * O(1) on the request path, reading (admin listener only) scans it. Everything kept is bounded: the ring's length
 * and the length of every string in a record (an unauthenticated request chooses its path, headers and body).
 * Never holds plaintext, AAD, key material, secrets, signing keys or signatures (test/http/proxy/logging.test.ts).
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
/** The shared empty facts of an entry without any (the request path and decoded slots use it). */
export const NO_FACTS: DecisionFacts = Object.freeze({});

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

/*
 * Storage: fixed-size byte slots in one buffer allocated when the log is made, reused in place.
 *
 * Why bytes and not the entry objects: at KMS's rate (1800 requests/s) a ring of 500 records keeps each one for about
 * 0.3 s, long enough for V8 to move it (and the strings it points at) to the old generation, where it dies. Those
 * records were about two thirds of what the proxy promoted, and so of its full garbage collections and their pauses
 * (docs/performance.md, "Garbage collection"). A slot holds the fields of an answered request (a number, three small
 * enums and ASCII strings) as bytes, so the ring makes no garbage at all on the path KMS uses most.
 *
 * An entry that does not fit stays an object (the caller keeps it): one with facts (a refusal), a non-ASCII string, or
 * strings longer than a slot holds. Reading gives back the same entry either way.
 *
 * Layout of a slot: atMs (float64), status (uint16), outcome (uint8), decidedBy (uint8: index in CHECKS, 255 none),
 * then each of STRING_FIELDS as a length byte (255: undefined) and that many ASCII bytes.
 */

/** Bytes per slot: an answered Encrypt with a UUID kmsRequestId uses about 130. */
const SLOT_BYTES = 256;

const OUTCOMES = ['answered', 'refused', 'aborted'] as const;
const NONE = 255;
const HEADER_BYTES = 12;

const STRING_FIELDS = ['kmsRequestId', 'kmsOperation', 'keyStore', 'operation', 'externalKeyId', 'accessKeyId', 'errorName'] as const;

function hasFacts(facts: DecisionFacts): boolean {
  for (const _ in facts) return true;
  return false;
}

/** Write one string field at `at`; the next offset, or -1 when it does not fit or is not ASCII. */
function writeString(bytes: Buffer, at: number, end: number, value: string | undefined): number {
  if (at >= end) return -1;
  if (value === undefined) {
    bytes[at] = NONE;
    return at + 1;
  }
  const room = Math.min(end - at - 1, NONE - 1);
  if (value.length > room) return -1;
  // UTF-8 takes at least one byte per UTF-16 unit, exactly one for ASCII: as many bytes as units means all ASCII.
  const written = value.length === 0 ? 0 : bytes.write(value, at + 1, room, 'utf8');
  if (written !== value.length) return -1;
  bytes[at] = written;
  return at + 1 + written;
}

function readString(bytes: Buffer, at: number): [string | undefined, number] {
  const length = bytes[at] as number;
  if (length === NONE) return [undefined, at + 1];
  return [bytes.toString('latin1', at + 1, at + 1 + length), at + 1 + length];
}

/** Store `entry` in slot `slot`; false when it does not fit in bytes (the caller keeps the object). */
function writeSlot(bytes: Buffer, slot: number, entry: DecisionEntry): boolean {
  if (hasFacts(entry.facts) || !Number.isInteger(entry.status) || entry.status < 0 || entry.status > 0xffff) return false;
  const start = slot * SLOT_BYTES;
  const end = start + SLOT_BYTES;
  bytes.writeDoubleLE(entry.atMs, start);
  bytes.writeUInt16LE(entry.status, start + 8);
  bytes[start + 10] = OUTCOMES.indexOf(entry.outcome);
  bytes[start + 11] = entry.decidedBy === undefined ? NONE : CHECKS.indexOf(entry.decidedBy);
  let at = start + HEADER_BYTES;
  for (const field of STRING_FIELDS) {
    at = writeString(bytes, at, end, entry[field]);
    if (at < 0) return false;
  }
  return true;
}

/** The entry stored in slot `slot` by writeSlot. */
function readSlot(bytes: Buffer, slot: number): DecisionEntry {
  const start = slot * SLOT_BYTES;
  const decided = bytes[start + 11] as number;
  const strings: Partial<Record<(typeof STRING_FIELDS)[number], string>> = {};
  let at = start + HEADER_BYTES;
  for (const field of STRING_FIELDS) {
    const [value, next] = readString(bytes, at);
    if (value !== undefined) strings[field] = value;
    at = next;
  }
  return {
    atMs: bytes.readDoubleLE(start),
    kmsRequestId: strings.kmsRequestId,
    kmsOperation: strings.kmsOperation,
    keyStore: strings.keyStore,
    operation: strings.operation,
    externalKeyId: strings.externalKeyId,
    accessKeyId: strings.accessKeyId,
    status: bytes.readUInt16LE(start + 8),
    errorName: strings.errorName,
    outcome: OUTCOMES[bytes[start + 10] as number] ?? 'answered',
    decidedBy: decided === NONE ? undefined : (CHECKS[decided] as CheckName | undefined),
    facts: NO_FACTS,
  };
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
  // Slot i holds record i as bytes, or as the object in kept[i] when it did not fit (see "Storage" above).
  const bytes = Buffer.alloc(capacity * SLOT_BYTES);
  const kept: (DecisionEntry | undefined)[] = new Array<DecisionEntry | undefined>(capacity).fill(undefined);
  let written = 0;

  function* newestFirst(): Generator<DecisionEntry> {
    const size = Math.min(written, capacity);
    for (let i = 1; i <= size; i++) {
      const slot = (written - i) % capacity;
      yield kept[slot] ?? readSlot(bytes, slot);
    }
  }

  return {
    record(entry) {
      const slot = written % capacity;
      kept[slot] = writeSlot(bytes, slot, entry) ? undefined : entry;
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
