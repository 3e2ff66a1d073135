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

/**
 * The fast path's premise, checked against the installed Express and Node (Express 5.3.0, Node.js 20.20; the suite
 * runs on the newer LTS lines too): Express sets `app.request`/`app.response` as the prototypes of every request
 * and response, and with our server classes that call changes nothing. Fails loudly when Express stops setting
 * them (the module is then dead weight: remove it) or sets others (the module no longer saves anything), and when
 * Node's classes can no longer be called on an existing object (expressServerClasses then returns undefined).
 */
test('expressServerClasses: Express sets exactly the prototypes the server created the objects with (no effective change)', async () => {
  const app = express();
  const classes = expressServerClasses(app);
  assert.ok(classes !== undefined, `on Node ${process.version} IncomingMessage/ServerResponse must be callable constructors for the fast path`);
  const calls: { target: 'req' | 'res'; changed: boolean; toAppPrototype: boolean }[] = [];
  const realSetPrototypeOf = Object.setPrototypeOf;
  let current: { req: object; res: object } | undefined;
  app.use((_req, res) => {
    res.json({ ok: true });
  });
  const server = createServer({ ...classes }, (req, res) => {
    current = { req, res };
    Object.setPrototypeOf = (o: object, proto: object | null) => {
      const target = o === current?.req ? 'req' : o === current?.res ? 'res' : undefined;
      if (target !== undefined) calls.push({ target, changed: Object.getPrototypeOf(o) !== proto, toAppPrototype: proto === (target === 'req' ? app.request : app.response) });
      return realSetPrototypeOf(o, proto);
    };
    try {
      app(req, res);
    } finally {
      Object.setPrototypeOf = realSetPrototypeOf;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      request({ port, host: '127.0.0.1', path: '/' }, (res) => res.resume().on('end', resolve)).on('error', reject).end();
    });
    const req = calls.filter((c) => c.target === 'req');
    const res = calls.filter((c) => c.target === 'res');
    assert.ok(req.length >= 1 && res.length >= 1, 'Express no longer sets the prototypes of requests and responses: src/proxy/http/express-server-classes.ts is not needed any more');
    assert.deepEqual(calls.filter((c) => c.changed || !c.toAppPrototype), [], 'Express set a prototype other than the one the server created the object with: the fast path no longer applies');
  } finally {
    Object.setPrototypeOf = realSetPrototypeOf;
    server.close();
  }
});

test('expressServerClasses: refuses an app whose prototypes are not Node HTTP objects', () => {
  assert.throws(() => expressServerClasses({ request: {}, response: {} }), TypeError);
});
