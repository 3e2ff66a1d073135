/**
 * The per-request recorder behind the decision log. Each check of the order of checks names itself in `stage`
 * before it runs (create-app.ts, the request guards, dispatch-operation.ts: one assignment per check, nothing else
 * on the hot path), so the check that threw is the one that refused; the error path calls `explainRefusal` once, and
 * the decision observer writes the record when the request is done. Facts are gathered only for refusals.
 */
import type { XksError } from '../../errors/xks-errors.js';
import type { StoreRuntime } from './proxy-runtime.js';
import type { RequestLogFields, RequestObserver } from './request-log.js';
import { SigV4Error } from '../../sigv4/sigv4-error.js';
import { clipFact, NO_FACTS, type CheckName, type DecisionFacts, type DecisionLog } from '../explain/decision-log.js';

/** The check running now: every check of the order of checks names itself before it runs. */
export type TraceStage = CheckName;

/** What a check needs of the trace: a place to say that it is the one running. */
export interface CheckStage {
  stage: TraceStage;
}

export interface DecisionTrace extends CheckStage {
  /** The store the route named, once known (read on refusals only: policy file, kill switch, the key's state). */
  store: StoreRuntime | undefined;
  decidedBy: CheckName | undefined;
  facts: DecisionFacts | undefined;
  /** The authenticated body once read, so a refusal before body validation (concurrency, kill switch, quota) names its kmsRequestId. */
  body: Buffer | undefined;
}

/** The usage each crypto operation needs (spec A5/A6: keyUsage ENCRYPT / DECRYPT). */
const REQUIRED_USAGE: Readonly<Record<string, string>> = { Encrypt: 'ENCRYPT', Decrypt: 'DECRYPT' };

const EMPTY_TRACE: Readonly<DecisionTrace> = Object.freeze(newDecisionTrace());

export function newDecisionTrace(): DecisionTrace {
  return { stage: 'route', store: undefined, decidedBy: undefined, facts: undefined, body: undefined };
}

/** The observer that writes one entry per finished request into `log` (create-app.ts adds it when a log is kept). */
export function createDecisionObserver(log: DecisionLog, clock: () => number): RequestObserver {
  return ({ fields: f, status, outcome, decision }) => {
    const trace = decision ?? EMPTY_TRACE;
    log.record({
      atMs: clock(),
      kmsRequestId: f.kmsRequestId,
      kmsOperation: f.kmsOperation,
      keyStore: f.keyStore,
      operation: f.operation,
      externalKeyId: f.externalKeyId,
      accessKeyId: f.accessKeyId ?? f.accessKeyIdUnverified,
      status: status ?? 0,
      errorName: f.errorName,
      outcome: outcome === 'aborted' ? 'aborted' : status !== undefined && status >= 400 ? 'refused' : 'answered',
      decidedBy: trace.decidedBy,
      facts: trace.facts ?? NO_FACTS,
    });
  };
}

/** Called once by the error middleware: which check refused, and the facts a person needs to fix it. */
export function explainRefusal(trace: DecisionTrace, error: XksError, log: RequestLogFields): void {
  const check = trace.stage;
  const facts: Record<string, string | number | readonly string[]> = { errorMessage: error.message };
  if (log.reason !== undefined) facts['reason'] = clipFact(log.reason);
  const cause = error.cause;
  if (cause instanceof SigV4Error) {
    facts['sigv4Failure'] = cause.reason;
    for (const [name, value] of Object.entries(cause.facts)) facts[name] = typeof value === 'string' ? clipFact(value) : value;
  }
  const store = trace.store;
  if (check === 'authorization' && log.authzRule !== undefined) {
    facts['rule'] = log.authzRule;
    const file = store?.config.authorization?.file;
    if (file !== undefined) facts['policyFile'] = file;
  }
  if (check === 'kill-switch' && store?.config.blocked !== undefined) {
    const { by, at, reason } = store.config.blocked;
    Object.assign(facts, { blockedBy: by, blockedAt: at, ...(reason !== undefined && { blockedReason: reason }) });
  }
  if (check === 'quota' && store !== undefined) {
    Object.assign(facts, { requestsPerSecond: store.config.quota.requestsPerSecond, burst: store.config.quota.burst });
  }
  if ((check === 'key' || check === 'key-state' || check === 'key-usage') && log.externalKeyId !== undefined) {
    facts['externalKeyId'] = log.externalKeyId;
    const key = store?.keys.getKey(log.externalKeyId);
    if (key !== undefined) Object.assign(facts, { keyStatus: key.keyStatus, keyUsage: [...key.keyUsage] });
    const required = log.operation === undefined ? undefined : REQUIRED_USAGE[log.operation];
    if (required !== undefined) facts['requiredUsage'] = required;
  }
  trace.decidedBy = check;
  trace.facts = facts;
}
