/**
 * Who may use the console and how state changes are protected. The console is unauthenticated, like the emulator:
 * by default only loopback clients reach it (and only under a loopback Host name, which defeats DNS rebinding); every
 * state-changing request must come from the console's own origin (Origin header) and carry its CSRF token.
 */
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { isLocalHostHeader, isLoopbackAddress } from '../../net/local-host.js';

/** 'loopback': loopback clients and Host names only (default); 'any': whoever reaches the emulator's --host. */
export type ConsoleAccess = 'loopback' | 'any';

export interface ConsoleGuard {
  readonly csrfToken: string;
  /** Every console request: access rule (loopback client and Host). */
  access(req: Request, res: Response, next: NextFunction): void;
  /** State-changing requests: same origin and the CSRF token (header X-CSRF-Token or form field _csrf). */
  stateChange(req: Request, res: Response, next: NextFunction): void;
}

export function createConsoleGuard(options: { access: ConsoleAccess; randomBytes: (n: number) => Buffer; allowedHosts?: readonly string[] }): ConsoleGuard {
  const csrfToken = options.randomBytes(32).toString('base64url');
  const expected = Buffer.from(csrfToken);
  const refuse = (res: Response, status: number, message: string): void => {
    res.status(status).type('text/plain').send(message);
  };
  return {
    csrfToken,
    access(req, res, next) {
      if (options.access === 'loopback') {
        if (!isLoopbackAddress(req.socket.remoteAddress)) return refuse(res, 403, 'The console answers loopback clients only (xks kms --console-remote to change).');
        // The emulator's app refuses other Host names before any route (local-host.ts); kept here for a router
        // mounted on its own.
        if (!isLocalHostHeader(req.headers.host, options.allowedHosts)) return refuse(res, 403, 'The console answers only under a loopback host name (localhost, 127.0.0.1, [::1]) or one allowed with --allow-host.');
      }
      res.setHeader('X-Frame-Options', 'DENY');
      res.setHeader('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'");
      // Not no-referrer: with it a browser sends `Origin: null` on form posts, which the same-origin check must refuse.
      res.setHeader('Referrer-Policy', 'same-origin');
      res.setHeader('Cache-Control', 'no-store');
      next();
    },
    stateChange(req, res, next) {
      const origin = req.headers.origin;
      if (origin === undefined || origin !== `${req.protocol}://${req.headers.host ?? ''}`) {
        return refuse(res, 403, 'Cross-origin request refused: a state change must come from the console page itself.');
      }
      const body = req.body as Record<string, unknown> | undefined;
      const sent = req.get('x-csrf-token') ?? (typeof body?.['_csrf'] === 'string' ? body['_csrf'] : '');
      const got = Buffer.from(sent);
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) return refuse(res, 403, 'Missing or wrong CSRF token: reload the console page.');
      next();
    },
  };
}
