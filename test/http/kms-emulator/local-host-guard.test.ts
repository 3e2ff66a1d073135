/**
 * Issue 21, finding 1 (DNS rebinding) on the emulator's listener, against the real app (createKmsApp) through
 * supertest: a request whose Host header is not a loopback name (what a web page rebound to 127.0.0.1 sends) is
 * refused before any route, in the route's own protocol (KMS JSON error for the API, JSON for /_emulator, text for
 * the console), changes nothing and is counted; loopback names and names allowed with --allow-host are answered.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import aws4 from 'aws4';
import request from 'supertest';
import { createKmsApp } from '../../../src/kms-emulator/create-kms-app.js';
import { buildKmsEmulatorConfig } from '../../../src/kms-emulator/context/kms-config.js';
import { createKmsStateStore } from '../../../src/kms-emulator/store/kms-state-store.js';
import { createLogger } from '../../../src/logging/create-logger.js';

const CALLER = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('emulator listener: Host header check (DNS rebinding)', () => {
  const store = createKmsStateStore(':memory:');
  const kms = createKmsApp({
    config: buildKmsEmulatorConfig({ allowHttpLoopback: true, dnsMode: 'static' }),
    store,
    logger: createLogger({ level: 'silent', service: 'kms-emulator' }),
    clock: () => Date.now(),
    randomBytes,
    randomUUID,
    allowedHosts: ['kms.internal'],
  });
  after(() => {
    kms.close();
    store.close();
  });

  /** A well-formed SigV4 request for `host` (the emulator accepts any signature without --credential). */
  const kmsCall = (host: string, operation: string, body: Record<string, unknown>) => {
    const payload = JSON.stringify(body);
    const signed = aws4.sign(
      { host, path: '/', method: 'POST', service: 'kms', region: 'us-east-1', body: payload, headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `TrentService.${operation}` } },
      CALLER,
    );
    let r = request(kms.app).post('/');
    for (const [name, value] of Object.entries(signed.headers ?? {})) r = r.set(name, String(value));
    return r.set('Host', host).send(payload).then((res) => ({ status: res.status, headers: res.headers, text: res.text, body: JSON.parse(res.text) as Record<string, unknown> }));
  };
  const refused = async (): Promise<number> => (await request(kms.app).get('/_emulator/status').set('Host', '127.0.0.1:7800')).body.refusedHosts as number;

  it('POST / DescribeCustomKeyStores under Host attacker.example:7800 -> 400 AccessDeniedException, counted', async () => {
    const before = await refused();
    const res = await kmsCall('attacker.example:7800', 'DescribeCustomKeyStores', {});
    assert.equal(res.status, 400);
    assert.equal(res.headers['x-amzn-errortype'], 'AccessDeniedException');
    assert.equal(res.body.__type, 'AccessDeniedException');
    assert.match(String(res.body.message), /loopback host name/);
    assert.doesNotMatch(res.text, /CustomKeyStores/);
    assert.equal(await refused(), before + 1);
  });

  it('POST / CreateKey under a rebound Host -> refused and no key created', async () => {
    const res = await kmsCall('attacker.example', 'CreateKey', {});
    assert.equal(res.status, 400);
    const list = await kmsCall('127.0.0.1:7800', 'ListKeys', {});
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.Keys, []);
  });

  it('the same call under 127.0.0.1, localhost, [::1] or an allowed name -> 200', async () => {
    for (const host of ['127.0.0.1:7800', 'localhost:7800', '[::1]:7800', 'kms.internal:7800', 'KMS.INTERNAL']) {
      const res = await kmsCall(host, 'DescribeCustomKeyStores', {});
      assert.equal(res.status, 200, `${host}: ${res.text}`);
      assert.deepEqual(res.body.CustomKeyStores, []);
    }
  });

  it('GET /_emulator/status under a rebound Host -> 403 JSON; the console -> 403 text', async () => {
    const status = await request(kms.app).get('/_emulator/status').set('Host', 'attacker.example:7800');
    assert.equal(status.status, 403);
    assert.match(status.headers['content-type'] ?? '', /application\/json/);
    assert.match(status.body.error, /--allow-host/);
    assert.equal(status.body.region, undefined);
    const page = await request(kms.app).get('/console/key-stores').set('Host', 'attacker.example:7800');
    assert.equal(page.status, 403);
    assert.doesNotMatch(page.text, /csrf-token/);
    const allowed = await request(kms.app).get('/console/key-stores').set('Host', 'kms.internal:7800');
    assert.equal(allowed.status, 200);
  });
});
