import express from 'express';
import type { FaultState } from '../http/fault-injector.js';
import { describeRule, faultsSchema } from '../faults/fault-rules.js';
import { faultTargetProblems, type FaultScope } from '../faults/fault-targets.js';
import { sendJson } from '../http/send-json.js';

/**
 * GET/PUT/DELETE /faults on the admin app (docs/faults.md, `xks faults list|set|clear`). Without --allow-faults
 * (no state) every method answers 403 and says how to enable it.
 */
export function registerFaultRoutes(app: express.Express, faults: FaultState | undefined, scopes: () => readonly FaultScope[] = () => []): void {
  if (faults === undefined) {
    app.all('/faults', (_req, res) => sendJson(res, 403, { error: 'fault injection is off: start xks serve with --allow-faults' }));
    return;
  }
  const listing = () => ({ faults: faults.current(), described: faults.current().map(describeRule) });
  app.get('/faults', (_req, res) => sendJson(res, 200, listing()));
  app.put('/faults', express.json({ limit: '64kb' }), (req, res) => {
    const parsed = faultsSchema.safeParse(req.body);
    if (!parsed.success) {
      sendJson(res, 400, { error: 'invalid fault rules', problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) });
      return;
    }
    // A rule naming a key store or key this proxy does not have would match nothing, silently.
    const unknown = faultTargetProblems(parsed.data, scopes());
    if (unknown.length > 0) {
      sendJson(res, 400, { error: 'fault rules name what this proxy does not have', problems: unknown });
      return;
    }
    faults.replace(parsed.data, 'admin listener: xks faults set');
    sendJson(res, 200, listing());
  });
  app.delete('/faults', (_req, res) => {
    faults.replace([], 'admin listener: xks faults clear');
    sendJson(res, 200, listing());
  });
}
