/**
 * Issue 21, finding 1 (DNS rebinding) on the proxy's admin listener, against createAdminApp through supertest: under
 * a Host that is not a loopback name (a web page rebound to 127.0.0.1), /status, /metrics, /decisions and
 * PUT /faults (with --allow-faults) are refused with 403 JSON and leave the fault rules unchanged; refusals are
 * counted in /status (refusedHosts) and /metrics (xks_admin_refused_hosts_total); admin.allowedHosts names pass.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createAdminApp } from '../../../src/proxy/admin/create-admin-app.js';
import { createFaultState } from '../../../src/proxy/http/fault-injector.js';
import { createLogger } from '../../../src/logging/create-logger.js';

describe('admin listener: Host header check (DNS rebinding)', () => {
  const faults = createFaultState([], createLogger({ level: 'silent' }), 'test');
  const app = createAdminApp({
    status: () => ({ configSource: 'test', loadedAt: '', loadReason: '', keyStores: [] }),
    metrics: async () => '# TYPE xks_requests_total counter\nxks_requests_total 0\n',
    decisions: { find: () => [], recent: () => [] },
    faults,
    allowedHosts: ['admin.internal'],
  });
  const rebound = 'attacker.example:7701';
  const healthFault = [{ fault: { type: 'health-status', healthStatus: 'UNAVAILABLE' } }];

  it('PUT /faults under Host attacker.example:7701 -> 403 JSON, no rule set', async () => {
    const res = await request(app).put('/faults').set('Host', rebound).send(healthFault);
    assert.equal(res.status, 403);
    assert.match(res.body.error, /loopback host name/);
    assert.deepEqual(faults.current(), []);
  });

  it('GET /status, /metrics, /decisions under a rebound Host -> 403, nothing read', async () => {
    for (const path of ['/status', '/metrics', '/decisions', '/decisions/x']) {
      const res = await request(app).get(path).set('Host', rebound);
      assert.equal(res.status, 403, path);
      assert.deepEqual(Object.keys(res.body), ['error'], path);
    }
  });

  it('refusals are counted in /status and /metrics; loopback and allowed names are answered', async () => {
    const status = await request(app).get('/status').set('Host', '127.0.0.1:7701');
    assert.equal(status.status, 200);
    assert.equal(status.body.refusedHosts, 5);
    const metrics = await request(app).get('/metrics').set('Host', 'localhost:7701');
    assert.match(metrics.text, /^xks_admin_refused_hosts_total 5$/m);
    assert.match(metrics.text, /^xks_requests_total 0$/m);
    const put = await request(app).put('/faults').set('Host', 'admin.internal:7701').send(healthFault);
    assert.equal(put.status, 200);
    assert.equal(faults.current().length, 1);
  });
});
