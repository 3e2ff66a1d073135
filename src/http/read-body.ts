import type { IncomingMessage } from 'node:http';
import { UnsupportedOperationException, ValidationException, type XksError } from '../errors/xks-errors.js';

function bodyTooLarge(limit: number): XksError {
  // The connection closes after the answer (after a bounded lingering close, lingering-close.ts): the rest of the
  // body is never parsed.
  return new UnsupportedOperationException(`The request body is larger than this proxy's limit of ${limit} bytes`, {
    headers: { Connection: 'close' },
  });
}

/**
 * Read a request body with the size limit enforced while reading: a declared Content-Length above the limit is
 * refused before any body byte is read, a body that grows past it as soon as it does (express.raw() would first
 * read and discard the whole rest of the body, however large, before answering). Compressed bodies are refused.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    return Promise.reject(new ValidationException('Content-Encoding is not supported; send the JSON body uncompressed'));
  }
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(bodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const settle = (error?: XksError): void => {
      req.off('data', onData).off('end', onEnd).off('aborted', onAborted).off('error', onAborted);
      if (error === undefined) resolve(Buffer.concat(chunks, received));
      else reject(error);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received <= limit) {
        chunks.push(chunk);
      } else {
        req.pause();
        chunks.length = 0;
        settle(bodyTooLarge(limit));
      }
    };
    const onEnd = (): void => settle();
    const onAborted = (): void => settle(new ValidationException('The request body ended before its declared Content-Length'));
    req.on('data', onData).on('end', onEnd).on('aborted', onAborted).on('error', onAborted);
  });
}
