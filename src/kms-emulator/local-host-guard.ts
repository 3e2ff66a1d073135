/**
 * The emulator's listener answers this host only (issue 21, DNS rebinding): its API accepts any well-formed
 * signature and its console and `/_emulator` views are unauthenticated, so a web page whose name is rebound to
 * 127.0.0.1 must not drive them. Every request under another Host name is refused before any route, in the
 * protocol of the route it aimed at: the KMS JSON error for the API, JSON for `/_emulator`, text for the console.
 * The one Host rule is src/proxy/http/local-host.ts.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { isLocalHostHeader, refusedHostMessage, type HostRefusals } from '../net/local-host.js';
import { kmsError, toKmsWireBody } from './wire/kms-exceptions.js';
import { KMS_CONTENT_TYPE } from './wire/kms-protocol.js';

export function createLocalHostGuard(allowedHosts: readonly string[], refusals: HostRefusals, logger: Logger): RequestHandler {
  const message = refusedHostMessage('xks kms --allow-host');
  return (req: Request, res: Response, next: NextFunction): void => {
    if (isLocalHostHeader(req.headers.host, allowedHosts)) return next();
    refusals.refuse();
    logger.warn({ host: (req.headers.host ?? '').slice(0, 256), method: req.method, path: req.path.slice(0, 256) }, 'request refused: Host is not a name of this host (DNS rebinding?)');
    if (req.path === '/' && req.method === 'POST') {
      const err = kmsError.AccessDeniedException(message);
      res.status(err.httpStatus).setHeader('x-amzn-ErrorType', err.type);
      res.type(KMS_CONTENT_TYPE).send(JSON.stringify(toKmsWireBody(err)));
      return;
    }
    if (req.path.startsWith('/_emulator')) {
      res.status(403).json({ error: message });
      return;
    }
    res.status(403).type('text/plain').send(message);
  };
}
