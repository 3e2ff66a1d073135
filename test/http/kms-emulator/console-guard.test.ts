/**
 * The console's protections, against the real emulator app (createKmsApp) through supertest: loopback clients and
 * loopback Host names only (DNS rebinding), and every state change needs the console's own Origin and its CSRF
 * token. Each refused request must also leave the state unchanged (no key store was created).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import request from 'supertest';
import { createKmsApp } from '../../../src/kms-emulator/create-kms-app.js';
import { buildKmsEmulatorConfig } from '../../../src/kms-emulator/context/kms-config.js';
import { createKmsStateStore } from '../../../src/kms-emulator/store/kms-state-store.js';
import { createLogger } from '../../../src/logging/create-logger.js';

describe('console guard: access, same origin and CSRF token', () => {
  const store = createKmsStateStore(':memory:');
  const kms = createKmsApp({
    config: buildKmsEmulatorConfig({ allowHttpLoopback: true, dnsMode: 'static' }),
    store,
    logger: createLogger({ level: 'silent', service: 'kms-emulator' }),
    clock: () => Date.now(),
    randomBytes,
    randomUUID,
  });
  after(() => {
    kms.close();
    store.close();
  });
  const host = '127.0.0.1:7800';
  const origin = `http://${host}`;
  const token = async (): Promise<string> => {
    const res = await request(kms.app).get('/console/key-stores').set('Host', host);
    assert.equal(res.status, 200);
    const m = /name="csrf-token" content="([^"]+)"/.exec(res.text);
    assert.ok(m?.[1] !== undefined);
    return m[1];
  };
  // An API action that would change state if admitted: Connect on an unknown store answers the API's error JSON.
  const connect = () => request(kms.app).post('/console/api/key-stores/cks-00000000000000000/connect').set('Host', host).set('Content-Type', 'application/json');

  it('GET with a non-loopback Host (DNS rebinding) -> 403, no page and no token', async () => {
    const res = await request(kms.app).get('/console/key-stores').set('Host', 'attacker.example:7800');
    assert.equal(res.status, 403);
    assert.doesNotMatch(res.text, /csrf-token/);
  });

  it('pages carry anti-framing and no-store headers', async () => {
    const res = await request(kms.app).get('/console/key-stores').set('Host', host);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  it('POST with the token but another Origin -> 403; without Origin -> 403', async () => {
    const t = await token();
    const other = await connect().set('Origin', 'http://attacker.example').set('X-CSRF-Token', t).send('{}');
    assert.equal(other.status, 403);
    assert.match(other.text, /Cross-origin request refused/);
    const none = await connect().set('X-CSRF-Token', t).send('{}');
    assert.equal(none.status, 403);
  });

  it('POST from the same origin without the token, or with a wrong one -> 403', async () => {
    const t = await token();
    assert.equal((await connect().set('Origin', origin).send('{}')).status, 403);
    const wrong = await connect().set('Origin', origin).set('X-CSRF-Token', `${t.slice(0, -1)}x`).send('{}');
    assert.equal(wrong.status, 403);
    assert.match(wrong.text, /CSRF token/);
  });

  it('create form posted cross-site (no token) -> 403 and no key store created; same origin + token -> the API answers', async () => {
    const form = { name: 'x', connectivity: 'PUBLIC_ENDPOINT', endpoint: 'http://127.0.0.1:1', path: '/kms/xks/v1', accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secret: 'FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE' };
    const cross = await request(kms.app).post('/console/key-stores').set('Host', host).set('Origin', 'http://attacker.example').type('form').send(form);
    assert.equal(cross.status, 403);
    assert.equal(store.listCustomKeyStores().length, 0);
    const ok = await connect().set('Origin', origin).set('X-CSRF-Token', await token()).send('{}');
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { ok: false, requestId: ok.body.requestId, type: 'CustomKeyStoreNotFoundException', message: 'Custom key store cks-00000000000000000 does not exist.' });
  });

  it('--no-console (console: false) -> /console is not served', async () => {
    const off = createKmsApp({ config: buildKmsEmulatorConfig(), store, logger: createLogger({ level: 'silent', service: 'kms-emulator' }), clock: () => Date.now(), randomBytes, randomUUID, console: false });
    const res = await request(off.app).get('/console/key-stores').set('Host', host);
    assert.equal(res.status, 404);
    off.close();
  });
});
