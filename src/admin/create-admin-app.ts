import express from 'express';
import type { DecisionLog } from '../explain/decision-log.js';
import { sendJson } from '../http/send-json.js';
import type { ProxyStatus } from './proxy-status.js';

/** Most records GET /decisions returns at once. */
const MAX_RECENT = 200;

/**
 * The admin app: unauthenticated, so it must only ever listen on loopback (config `admin.host`). Separate from the
 * XKS listener so nothing here is reachable by KMS or the load balancer.
 * - GET /status: `xks status`.
 * - GET /metrics: Prometheus.
 * - GET /decisions/<kmsRequestId>: `xks explain` and the KMS console: the order-of-checks trace of recent requests.
 * - GET /decisions?limit=N: the newest records (any kmsRequestId), newest first.
 */
export function createAdminApp(deps: {
  status: () => ProxyStatus | Promise<ProxyStatus>;
  /** Prometheus text exposition (docs/operations.md), aggregated over every worker in a fleet. */
  metrics?: () => Promise<string>;
  metricsContentType?: string;
  /** The proxy's recent decisions (src/explain/decision-log.ts). */
  decisions?: DecisionLog;
}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/status', async (_req, res) => sendJson(res, 200, await deps.status()));
  const { metrics, decisions } = deps;
  if (metrics !== undefined) {
    app.get('/metrics', async (_req, res) => {
      const body = await metrics();
      res.status(200).set('Content-Type', deps.metricsContentType ?? 'text/plain; version=0.0.4; charset=utf-8').send(body);
    });
  }
  if (decisions !== undefined) {
    app.get('/decisions', (req, res) => {
      const raw = typeof req.query['limit'] === 'string' ? Number(req.query['limit']) : 50;
      const limit = Number.isInteger(raw) && raw > 0 ? Math.min(raw, MAX_RECENT) : 50;
      sendJson(res, 200, { ...decisions.stats(), decisions: decisions.recent(limit) });
    });
    app.get('/decisions/:kmsRequestId', (req, res) => {
      const found = decisions.find(req.params.kmsRequestId);
      if (found.length === 0) {
        sendJson(res, 404, { error: 'no decision kept for this kmsRequestId', ...decisions.stats() });
        return;
      }
      sendJson(res, 200, { kmsRequestId: req.params.kmsRequestId, decisions: found });
    });
  }
  app.use((_req, res) => sendJson(res, 404, { error: 'not found' }));
  return app;
}
