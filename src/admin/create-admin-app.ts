import express from 'express';
import { sendJson } from '../http/send-json.js';
import type { FaultState } from '../faults/fault-injector.js';
import { describeRule, faultsSchema } from '../faults/fault-rules.js';
import type { ProxyStatus } from './proxy-status.js';

/**
 * The admin app: unauthenticated, so it must only ever listen on loopback (config `admin.host`). Separate from the
 * XKS listener so nothing here is reachable by KMS or the load balancer. `/faults` (docs/faults.md) exists only
 * when the proxy was started with --allow-faults.
 */
export function createAdminApp(deps: { status: () => ProxyStatus; faults?: FaultState }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/status', (_req, res) => sendJson(res, 200, deps.status()));

  const faults = deps.faults;
  const listing = (state: FaultState) => ({ faults: state.current(), described: state.current().map(describeRule) });
  if (faults === undefined) {
    app.all('/faults', (_req, res) => sendJson(res, 403, { error: 'fault injection is off: start xks serve with --allow-faults' }));
  } else {
    app.get('/faults', (_req, res) => sendJson(res, 200, listing(faults)));
    app.put('/faults', express.json({ limit: '64kb' }), (req, res) => {
      const parsed = faultsSchema.safeParse(req.body);
      if (!parsed.success) {
        sendJson(res, 400, { error: 'invalid fault rules', problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) });
        return;
      }
      faults.replace(parsed.data, 'admin listener: xks faults set');
      sendJson(res, 200, listing(faults));
    });
    app.delete('/faults', (_req, res) => {
      faults.replace([], 'admin listener: xks faults clear');
      sendJson(res, 200, listing(faults));
    });
  }
  app.use((_req, res) => sendJson(res, 404, { error: 'not found' }));
  // A body that is not JSON: 400, not Express's HTML page.
  app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => sendJson(res, 400, { error: 'the body must be a JSON array of fault rules' }));
  return app;
}
