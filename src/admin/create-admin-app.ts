import express from 'express';
import { sendJson } from '../http/send-json.js';
import type { ProxyStatus } from './proxy-status.js';

/**
 * The admin app: unauthenticated, so it must only ever listen on loopback (config `admin.host`). Separate from the
 * XKS listener so nothing here is reachable by KMS or the load balancer.
 */
export function createAdminApp(deps: {
  status: () => ProxyStatus | Promise<ProxyStatus>;
  /** Prometheus text exposition (docs/operations.md), aggregated over every worker in a fleet. */
  metrics?: () => Promise<string>;
  metricsContentType?: string;
}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/status', async (_req, res) => sendJson(res, 200, await deps.status()));
  const { metrics } = deps;
  if (metrics !== undefined) {
    app.get('/metrics', async (_req, res) => {
      const body = await metrics();
      res.status(200).set('Content-Type', deps.metricsContentType ?? 'text/plain; version=0.0.4; charset=utf-8').send(body);
    });
  }
  app.use((_req, res) => sendJson(res, 404, { error: 'not found' }));
  return app;
}
