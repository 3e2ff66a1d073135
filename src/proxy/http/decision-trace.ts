/**
 * The per-request recorder behind the decision log. create-app.ts moves `stage` along as it runs the order of checks
 * (one assignment per stage: nothing else on the hot path); its error path calls `explainRefusal` once, and the
 * decision observer writes the record when the request is done. Facts are gathered only for refusals.
 */
import type { XksError } from '../../errors/xks-errors.js';
import type { StoreRuntime } from './proxy-runtime.js';
import type { RequestLogFields, RequestObserver } from './request-log.js';
import { SigV4Error } from '../../sigv4/sigv4-error.js';
import { clipFact, NO_FACTS, type CheckName, type DecisionFacts, type DecisionLog } from '../explain/decision-log.js';

/** Where create-app.ts is in the order of checks; 'kill-switch' covers admission (kill switch, then quota). */
export type TraceStage = Extract<CheckName, 'route' | 'method' | 'sigv4-headers' | 'body-size' | 'signature' | 'concurrency' | 'kill-switch' | 'body'>;

export interface DecisionTrace {
  stage: TraceStage;
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

/** Which check refused, from the stage reached and the error's class (the stages after 'body' run in one call). */
function decidingCheck(stage: TraceStage, error: XksError): CheckName {
  if (stage === 'kill-switch') return error.errorName === 'ThrottlingException' ? 'quota' : 'kill-switch';
  if (stage !== 'body') return stage;
  switch (error.errorName) {
    case 'AccessDeniedException':
      return 'authorization';
    case 'KeyNotFoundException':
      return 'key';
    case 'InvalidStateException':
      return 'key-state';
    case 'InvalidKeyUsageException':
      return 'key-usage';
    case 'InvalidCiphertextException':
    case 'InternalException':
      return 'crypto';
    default:
      return 'body';
  }
}

/** Called once by the error middleware: which check refused, and the facts a person needs to fix it. */
export function explainRefusal(trace: DecisionTrace, error: XksError, log: RequestLogFields): void {
  const check = decidingCheck(trace.stage, error);
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
