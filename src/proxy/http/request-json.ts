import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { ValidationException } from '../../errors/xks-errors.js';
import { MAX_BODY_BYTES } from '../../xks/limits.js';
import { peekRequestMetadata } from '../../xks/parse-requests.js';
import type { RequestMetadata } from '../../xks/wire-types.js';
import type { RequestLogFields } from './request-log.js';

/** The request body as JSON, and the request metadata it names for the log line (the request path's JSON step). */

// spec A1: JSON bodies with Content-Type application/json (parameters such as charset allowed).
const JSON_CONTENT_TYPE = /^application\/json\s*(?:;.*)?$/i;

export function recordMetadata(log: RequestLogFields, metadata: Partial<RequestMetadata>): void {
  const { kmsRequestId, kmsOperation, awsPrincipalArn, kmsKeyArn, kmsViaService, awsSourceVpc, awsSourceVpce } = metadata;
  Object.assign(log, { kmsRequestId, kmsOperation, awsPrincipalArn, kmsKeyArn, kmsViaService, awsSourceVpc, awsSourceVpce });
}

/** [UNCONFIRMED] spec A10: a wrong Content-Type or non-JSON body is ValidationException. */
export function parseJsonBody(contentType: string | undefined, body: Buffer, log: RequestLogFields): unknown {
  const json = parseJsonOrUndefined(body);
  recordMetadata(log, peekRequestMetadata(json));
  if (contentType === undefined || !JSON_CONTENT_TYPE.test(contentType)) {
    throw new ValidationException('Content-Type must be application/json');
  }
  if (json === undefined) throw new ValidationException('The request body must be a UTF-8 JSON document');
  return json;
}

/** A UTF-8 byte order mark, which a UTF-8 decoder drops (WHATWG "utf-8 decode"); JSON.parse would refuse it. */
const hasBom = (body: Buffer): boolean => body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;

/** The body as JSON, or undefined when it is not well-formed UTF-8 (checked, not replaced) or not JSON. */
export function parseJsonOrUndefined(body: Buffer): unknown {
  if (!isUtf8(body)) return undefined;
  try {
    return JSON.parse(body.toString('utf8', hasBom(body) ? 3 : 0)) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Refusals only: the kmsRequestId of the body already read, or of a body that arrived with the headers (KMS's small
 * bodies usually do). Never waited for, never trusted: it only labels the log line and the decision record.
 */
export function recordMetadataOfBufferedBody(req: IncomingMessage, read: Buffer | undefined, log: RequestLogFields): void {
  let body = read;
  if (body === undefined) {
    // Only a body that is already wholly buffered (its declared length): never wait for one.
    const declared = Number(req.headers['content-length']);
    if (req.readableLength === 0 || req.readableLength !== declared || declared > MAX_BODY_BYTES) return;
    const chunk: unknown = req.read();
    if (!Buffer.isBuffer(chunk)) return;
    body = chunk;
  }
  const { kmsRequestId, kmsOperation } = peekRequestMetadata(parseJsonOrUndefined(body));
  log.kmsRequestId = kmsRequestId;
  log.kmsOperation = kmsOperation;
}
