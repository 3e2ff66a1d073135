/**
 * Issue 21, finding 7: the proxy's budget (A16) is its time on the wire. A call whose request waits for a socket
 * (here: an agent with one socket, busy with a slow call) is charged only from the moment it has one to the
 * response's last byte. Real sockets; a plain http server plays the proxy. The budget is generous (3 s) and the
 * margins are seconds, so a loaded machine cannot change the outcome: before, the second call was charged its
 * 2 s wait plus its 1.5 s answer (> 3 s) and failed as a proxy timeout.
 */
import assert from 'node:assert/strict';
import { lookup } from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { exchangeWithProxy, type ProxyExchange } from '../../../src/xks-client/xks-exchange.js';

let server: http.Server;
let port = 0;

before(async () => {
  // /slow/<ms>: answers after <ms>.
  server = http.createServer((req, res) => {
    const ms = Number(/^\/slow\/(\d+)$/.exec(req.url ?? '')?.[1] ?? 0);
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'), ms));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const call = (path: string, agent: http.Agent, timeoutMs: number): ProxyExchange => ({
  secure: false,
  options: { host: '127.0.0.1', port, path, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': '2' }, lookup },
  body: '{}',
  timeoutMs,
  agent,
});

test('exchange: time waiting for a socket is not the proxy\'s; the budget runs from the request on the wire to the last byte', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // Margins a busy machine cannot eat: the first call has 6 s to spare; the second answers in 0.1 s, and had
    // it been charged the 4 s it waits behind the first, it would be over its 3 s budget (a timeout) and over 4 s.
    const first = exchangeWithProxy(call('/slow/4000', agent, 10_000));
    const second = exchangeWithProxy(call('/slow/100', agent, 3000));
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.kind, 'response', JSON.stringify(a));
    assert.equal(b.kind, 'response', `the wait behind the first call was charged: ${JSON.stringify(b)}`);
    // The second call's own time: its 0.1 s answer (not less), not the 4 s it waited behind the first.
    assert.ok(b.elapsedMs >= 95 && b.elapsedMs < 4000, `second call charged ${b.elapsedMs} ms`);
  } finally {
    agent.destroy();
  }
});

test('exchange: a proxy slower than the budget on the wire is still a timeout (phase timeout)', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const r = await exchangeWithProxy(call('/slow/3000', agent, 300));
    assert.equal(r.kind, 'failure');
    assert.equal(r.kind === 'failure' && r.phase, 'timeout');
  } finally {
    agent.destroy();
  }
});
