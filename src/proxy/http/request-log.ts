import type { Logger } from '../../logging/create-logger.js';
import type { DecisionTrace } from './decision-trace.js';
import type { RefusalReason } from './refusal-counters.js';

/**
 * The fields of the one log line written per request (spec A15 / C61): request metadata, outcome, error and latency.
 * Handlers fill it as they learn things. Every field is set by our code from typed values (ids, ARNs, names,
 * reasons), never a payload or a secret: that is why the request line needs no redaction pass (create-logger.ts).
 */
export interface RequestLogFields {
  operation?: string;
  keyStore?: string;
  externalKeyId?: string;
  /** Set once the signature over the body has verified. */
  accessKeyId?: string;
  /** The access key id a request claimed before (or without) a verified signature: not proof of anything. */
  accessKeyIdUnverified?: string;
  /** Set on the first request signed with this access key id since the proxy started (credential rotation). */
  credentialFirstUse?: boolean;
  region?: string;
  kmsRequestId?: string;
  kmsOperation?: string;
  awsPrincipalArn?: string;
  kmsKeyArn?: string;
  kmsViaService?: string;
  awsSourceVpc?: string;
  awsSourceVpce?: string;
  /** Secondary authorization (spec A14 / C60): the decision and the rule that made it. */
  authzDecision?: string;
  authzRule?: string;
  errorName?: string;
  /** Faults injected into this request (docs/faults.md), e.g. `latency 300 ms + wrong-cdiv`. */
  fault?: string;
  /** The limit that refused the request (also counted in RefusalCounters). */
  refusedBy?: RefusalReason;
  /** The SigV4 failure reason when authentication failed (metrics: xks_sigv4_failures_total). */
  sigv4Failure?: string;
  /** Why an error happened, for the operator (e.g. the SigV4 failure reason). Never sent to the client. */
  reason?: string;
}

/**
 * - ok: a 2xx answer;
 * - error: an error answer after the signature verified;
 * - refused: an error answer before the signature verified (or without one: path, method, SigV4, body limits);
 * - aborted: no complete answer (the client went away, or a limit cut the connection).
 */
export type RequestOutcomeKind = 'ok' | 'error' | 'refused' | 'aborted';

/** What every observer of a finished request reads: the log line, metrics and traces all start from this record. */
export interface RequestOutcome {
  readonly fields: Readonly<RequestLogFields>;
  readonly method: string;
  /** The status sent; undefined when no complete response was sent (outcome 'aborted'). */
  readonly status: number | undefined;
  readonly outcome: RequestOutcomeKind;
  /** True once the signature over the body verified. */
  readonly authenticated: boolean;
  /** From the request's arrival at the app to the end of its response (or the connection's close). */
  readonly durationMs: number;
  /** The order-of-checks trace: the check reached, and for a refusal the deciding check and its facts. */
  readonly decision?: Readonly<DecisionTrace>;
}

/**
 * Called once per request, when its response has finished or its connection closed. Observers must be cheap and
 * must not throw (they run on the request path); the request log is one of them.
 */
export type RequestObserver = (outcome: RequestOutcome) => void;

/** The request log line: info for ok, warn otherwise; `status` only when an answer was sent. */
export function createRequestLogObserver(logger: Logger): RequestObserver {
  return ({ fields, method, status, outcome, durationMs }) => {
    // One object of one shape, filled field by field (an object spread per request measured ~3% of a request).
    const line: Record<string, unknown> = Object.assign({}, fields);
    line.method = method;
    if (status !== undefined) line.status = status;
    line.outcome = outcome;
    line.durationMs = Math.round(durationMs * 1000) / 1000;
    if (outcome === 'ok') logger.info(line, 'xks request');
    else logger.warn(line, 'xks request');
  };
}
