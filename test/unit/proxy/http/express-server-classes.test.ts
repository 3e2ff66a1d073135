import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import express from 'express';
import { expressServerClasses } from '../../../../src/proxy/http/express-server-classes.js';

test('expressServerClasses: the server creates requests and responses with the app prototypes, so Express never changes them', async () => {
  const app = express();
  const seen: { reqProto: unknown; resProto: unknown; isIncoming: boolean; isResponse: boolean }[] = [];
  const classes = expressServerClasses(app);
  assert.ok(classes !== undefined, 'Node 20 defines IncomingMessage and ServerResponse as callable constructors');
  app.use((req, res) => {
    res.json({ path: req.path, header: req.get('x-test') ?? null });
  });
  const server = createServer({ ...classes }, (req, res) => {
    // Before Express runs: the prototypes Express would otherwise set on every request.
    seen.push({ reqProto: Object.getPrototypeOf(req), resProto: Object.getPrototypeOf(res), isIncoming: req instanceof IncomingMessage, isResponse: res instanceof ServerResponse });
    app(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      const r = request({ port, host: '127.0.0.1', path: '/a/b?x=1', headers: { 'x-test': 'yes' } }, (res) => {
        let data = '';
        res.setEncoding('utf8').on('data', (d: string) => (data += d)).on('end', () => resolve(data));
      });
      r.on('error', reject).end();
    });
    assert.deepEqual(JSON.parse(body), { path: '/a/b', header: 'yes' });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.reqProto, app.request);
    assert.equal(seen[0]?.resProto, app.response);
    assert.equal(seen[0]?.isIncoming, true);
    assert.equal(seen[0]?.isResponse, true);
  } finally {
    server.close();
  }
});

test('expressServerClasses: refuses an app whose prototypes are not Node HTTP objects', () => {
  assert.throws(() => expressServerClasses({ request: {}, response: {} }), TypeError);
});
