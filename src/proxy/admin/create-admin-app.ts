import express from 'express';
import type { DecisionRecord } from '../explain/decision-log.js';
import { sendJson } from '../http/send-json.js';
import type { FaultState } from '../http/fault-injector.js';
import { registerFaultRoutes } from './fault-routes.js';
import { createHostRefusals, isLocalHostHeader, refusedHostMessage } from '../../net/local-host.js';
import type { ProxyStatus } from './proxy-status.js';
import type { FaultScope } from '../faults/fault-targets.js';

/** Where the admin listener reads decisions: this process's DecisionLog, or every worker of a fleet. */
export interface DecisionReader {
  find(kmsRequestId: string): readonly DecisionRecord[] | Promise<readonly DecisionRecord[]>;
  recent(limit: number): readonly DecisionRecord[] | Promise<readonly DecisionRecord[]>;
}

/** Most records GET /decisions returns at once. */
const MAX_RECENT = 200;

/**
 * The admin app: unauthenticated, so it must only ever listen on loopback (config `admin.host`) and answer only
 * under a loopback Host name or one of `admin.allowedHosts` (DNS rebinding: a web page whose name is rebound to
 * 127.0.0.1 must not read /decisions or PUT /faults). Refusals: 403 JSON, counted in /status (`refusedHosts`) and
 * /metrics (`xks_admin_refused_hosts_total`). Separate from the XKS listener so nothing here is reachable by KMS
 * or the load balancer.
 * - GET /status: `xks status`.
 * - GET /metrics: Prometheus.
 * - GET /decisions/<kmsRequestId>: `xks explain` and the KMS console: the order-of-checks trace of recent requests.
 * - GET /decisions?limit=N: the newest records (any kmsRequestId), newest first.
 * - GET/PUT/DELETE /faults: fault injection (docs/faults.md), only with --allow-faults (403 otherwise).
 */
export function createAdminApp(deps: {
  status: () => ProxyStatus | Promise<ProxyStatus>;
  /** Prometheus text exposition (docs/operations.md), aggregated over every worker in a fleet. */
  metrics?: () => Promise<string>;
  metricsContentType?: string;
  /** The proxy's recent decisions (src/proxy/explain/decision-log.ts). */
  decisions?: DecisionReader;
  /** Fault injection rules, only when the proxy was started with --allow-faults. */
  faults?: FaultState;
  /** The key stores and keys fault rules may name (a rule naming anything else is refused). */
  faultScopes?: () => readonly FaultScope[];
  /** Host names besides loopback ones this listener answers under (config `admin.allowedHosts`). */
  allowedHosts?: readonly string[];
}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const refusals = createHostRefusals();
  const refusedMessage = refusedHostMessage('admin.allowedHosts');
  app.use((req, res, next) => {
    if (isLocalHostHeader(req.headers.host, deps.allowedHosts)) return next();
    refusals.refuse();
    sendJson(res, 403, { error: refusedMessage });
  });
  app.get('/status', async (_req, res) => sendJson(res, 200, { ...(await deps.status()), refusedHosts: refusals.count() }));
  const { metrics, decisions } = deps;
  if (metrics !== undefined) {
    app.get('/metrics', async (_req, res) => {
      const body = `${await metrics()}${refusedHostsExposition(refusals.count())}`;
      res.status(200).set('Content-Type', deps.metricsContentType ?? 'text/plain; version=0.0.4; charset=utf-8').send(body);
    });
  }
  if (decisions !== undefined) {
    app.get('/decisions', async (req, res) => {
      const raw = typeof req.query['limit'] === 'string' ? Number(req.query['limit']) : 50;
      const limit = Number.isInteger(raw) && raw > 0 ? Math.min(raw, MAX_RECENT) : 50;
      sendJson(res, 200, { decisions: await decisions.recent(limit) });
    });
    app.get('/decisions/:kmsRequestId', async (req, res) => {
      const found = await decisions.find(req.params.kmsRequestId);
      if (found.length === 0) {
        sendJson(res, 404, { error: 'no decision kept for this kmsRequestId' });
        return;
      }
      sendJson(res, 200, { kmsRequestId: req.params.kmsRequestId, decisions: found });
    });
  }
  registerFaultRoutes(app, deps.faults, deps.faultScopes);
  app.use((_req, res) => sendJson(res, 404, { error: 'not found' }));
  // A body that is not JSON (PUT /faults): 400, not Express's HTML page.
  app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => sendJson(res, 400, { error: 'the body must be a JSON array of fault rules' }));
  return app;
}

function refusedHostsExposition(count: number): string {
  return (
    '# HELP xks_admin_refused_hosts_total Requests to the admin listener refused for a Host header that is not a loopback or allowed name (DNS rebinding).\n' +
    `# TYPE xks_admin_refused_hosts_total counter\nxks_admin_refused_hosts_total ${count}\n`
  );
}
