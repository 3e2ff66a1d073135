import type { IncomingMessage } from 'node:http';
import { ThrottlingException, UnsupportedOperationException, ValidationException, type XksError } from '../../errors/xks-errors.js';
import type { BodyBudget } from './body-budget.js';

function bodyTooLarge(limit: number): XksError {
  // The connection closes after the answer (after a bounded lingering close, lingering-close.ts): the rest of the
  // body is never parsed.
  return new UnsupportedOperationException(`The request body is larger than this proxy's limit of ${limit} bytes`, {
    headers: { Connection: 'close' },
  });
}

function overBudget(): XksError {
  return new ThrottlingException('The proxy is receiving too many request bodies at once; retry later', {
    detail: 'limits.maxBodyBytesInFlight reached',
    headers: { Connection: 'close', 'Retry-After': '1' },
  });
}

export interface ReadBodyOptions {
  /** The largest body read (bytes). */
  readonly limit: number;
  /**
   * The body must be complete within this many ms, or the connection is closed and onTooSlow called (the caller
   * picks the time; bodyDeadlineMs spreads it). Absent: no deadline of its own (Node's requestTimeout still applies).
   */
  readonly deadlineMs?: number;
  readonly onTooSlow?: () => void;
  /** The process-wide budget of bytes being received; called once when the budget refuses this body. */
  readonly budget?: BodyBudget;
  readonly onOverBudget?: () => void;
}

/**
 * When a request's body must be complete: a random point between 40% and 90% of limits.requestTimeoutMs after its
 * headers, so before Node's own requestTimeout. A real client (KMS) sends its body with its headers; only a client
 * that withholds it meets the deadline. Random, so that many such clients started together (an attacker's
 * connections opened at once, and re-opened at once when cut) are cut, and reconnect, spread over seconds instead
 * of all in one moment, which would stall every other request for as long as those cuts take (issue 10, slot-hold).
 */
export function bodyDeadlineMs(requestTimeoutMs: number, random: () => number = Math.random): number {
  return Math.round(requestTimeoutMs * (0.4 + 0.5 * random()));
}

/**
 * Read a request body with the size limit enforced while reading: a declared Content-Length above the limit is
 * refused before any body byte is read, a body that grows past it as soon as it does (express.raw() would first
 * read and discard the whole rest of the body, however large, before answering). Compressed bodies are refused.
 * Bytes count against `budget` while the body arrives. A body that arrives in one chunk is returned without a copy.
 */
export function readBody(req: IncomingMessage, options: ReadBodyOptions): Promise<Buffer> {
  const { limit, budget } = options;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    return Promise.reject(new ValidationException('Content-Encoding is not supported; send the JSON body uncompressed'));
  }
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(bodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let reserved = 0;
    let timer: NodeJS.Timeout | undefined;
    const settle = (error?: XksError): void => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('aborted', onAborted).off('error', onAborted);
      budget?.release(reserved);
      reserved = 0;
      if (error !== undefined) reject(error);
      else resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, received));
    };
    const refuse = (error: XksError): void => {
      req.pause();
      chunks.length = 0;
      settle(error);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) return refuse(bodyTooLarge(limit));
      if (budget !== undefined) {
        if (!budget.take(chunk.length)) {
          options.onOverBudget?.();
          return refuse(overBudget());
        }
        reserved += chunk.length;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => settle();
    const onAborted = (): void => settle(new ValidationException('The request body ended before its declared Content-Length'));
    req.on('data', onData).on('end', onEnd).on('aborted', onAborted).on('error', onAborted);
    if (options.deadlineMs !== undefined) {
      timer = setTimeout(() => {
        options.onTooSlow?.();
        settle(new ValidationException('The request body did not arrive in time', { detail: `slow body: ${received} bytes ${options.deadlineMs} ms after the headers` }));
        // No answer: like Node's requestTimeout, the connection of a body that does not come is closed.
        req.socket.destroy();
      }, options.deadlineMs);
    }
  });
}
