import express from 'express';
import { sendJson } from '../http/send-json.js';
import type { ProxyStatus } from './proxy-status.js';

/**
 * The admin app: unauthenticated, so it must only ever listen on loopback (config `admin.host`). Separate from the
 * XKS listener so nothing here is reachable by KMS or the load balancer.
 */
export function createAdminApp(deps: { status: () => ProxyStatus }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/status', (_req, res) => sendJson(res, 200, deps.status()));
  app.use((_req, res) => sendJson(res, 404, { error: 'not found' }));
  return app;
}
