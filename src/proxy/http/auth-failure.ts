import { AuthenticationFailedException } from '../../errors/xks-errors.js';
import { SigV4Error, type SigV4FailureReason } from '../../sigv4/index.js';
import type { RequestLogFields } from './request-log.js';

/** What the client is told for each SigV4 failure: the category, never the computed values (those go to the log). */
const AUTH_MESSAGES: Readonly<Record<SigV4FailureReason, string>> = {
  'missing-header': 'The request is not signed: Authorization, X-Amz-Date and Host are required and must be signed',
  malformed: 'The Authorization or X-Amz-Date header is malformed',
  'unknown-access-key-id': 'The access key id is not valid for this key store',
  'wrong-scope': 'The credential scope does not match this key store (service kms-xks-proxy, accepted region, request date)',
  'clock-skew': 'The request time is more than 5 minutes away from the proxy clock',
  'signature-mismatch': 'The request signature does not match; check the secret access key and signing process',
};

/** Printable ASCII only (spec A10's errorMessage), whatever the request carried. */
const printable = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?');

export function translateAuthError(error: unknown, log: RequestLogFields): unknown {
  if (error instanceof SigV4Error) {
    log.sigv4Failure = error.reason;
    // The one scope mistake an operator makes: KMS in another Region. The caller knows its Region; say it is the cause.
    const region = error.reason === 'wrong-scope' ? /^scope region (.{1,64}) is not accepted$/.exec(error.detail)?.[1] : undefined;
    const message = region === undefined ? AUTH_MESSAGES[error.reason] : `The credential scope region ${printable(region)} is not one of this key store's regions`;
    return new AuthenticationFailedException(message, { detail: `sigv4 ${error.reason}: ${error.detail}`, cause: error });
  }
  return error;
}
