import type { Response } from 'express';
import type { Logger } from '../logging/create-logger.js';

/**
 * The fields of the one log line written per request (spec A15 / C61): request metadata, outcome, error and latency.
 * Handlers fill it as they learn things; it is written when the response closes. Never holds payloads or secrets.
 */
export interface RequestLogFields {
  operation?: string;
  keyStore?: string;
  externalKeyId?: string;
  accessKeyId?: string;
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
  /** Why an error happened, for the operator (e.g. the SigV4 failure reason). Never sent to the client. */
  reason?: string;
}

const LOG_FIELDS = Symbol('xksRequestLog');

export function requestLog(res: Response): RequestLogFields {
  const locals = res.locals as Record<symbol, RequestLogFields | undefined>;
  let fields = locals[LOG_FIELDS];
  if (fields === undefined) {
    fields = {};
    locals[LOG_FIELDS] = fields;
  }
  return fields;
}

/** Write the request's log line once, when the response is done (or the client went away). */
export function logWhenDone(res: Response, logger: Logger, method: string, startedNs: bigint): void {
  res.once('close', () => {
    const fields = requestLog(res);
    const durationMs = Number(process.hrtime.bigint() - startedNs) / 1e6;
    const outcome = !res.writableFinished ? 'aborted' : res.statusCode < 400 ? 'ok' : 'error';
    const line = { ...fields, method, status: res.statusCode, outcome, durationMs: Math.round(durationMs * 1000) / 1000 };
    if (outcome === 'ok') logger.info(line, 'xks request');
    else logger.warn(line, 'xks request');
  });
}
