import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { startInProcessProxy, type InProcessProxy } from '../support/in-process-proxy.js';
import { testKey } from '../support/test-app.js';

let proxy: InProcessProxy;
before(async () => {
  proxy = await startInProcessProxy({
    keys: [testKey('k1')],
    config: () => ({ limits: { headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 500, maxConnections: 3, reservedConnections: 0 } }),
  });
});
after(() => proxy.stop());

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(proxy.proxy.port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolve with the ms until the server ends the connection (and what it said), or reject after `boundMs`. */
function timeUntilClosed(socket: Socket, boundMs: number): Promise<{ ms: number; data: string }> {
  const start = Date.now();
  let data = '';
  socket.on('data', (d: Buffer) => (data += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connection still open after ${boundMs} ms`)), boundMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ ms: Date.now() - start, data });
    });
    socket.on('error', () => undefined);
  });
}

test('limits: a client sending one header byte per second is cut off by headersTimeout (1 s) within 3 s', async () => {
  const socket = await open();
  const request = 'POST /kms/xks/v1/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ' + 'a'.repeat(100);
  let i = 0;
  const drip = setInterval(() => {
    if (!socket.destroyed) socket.write(request[i++ % request.length] ?? 'a');
  }, 1000);
  try {
    const { ms, data } = await timeUntilClosed(socket, 3000);
    assert.ok(ms < 3000, `closed after ${ms} ms`);
    assert.match(data, /^$|^HTTP\/1\.1 408/, 'either silently closed or 408 Request Timeout');
  } finally {
    clearInterval(drip);
    socket.destroy();
  }
});

test('limits: an idle keep-alive connection is closed after keepAliveTimeout (0.5 s)', async () => {
  const socket = await open();
  socket.write('GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n');
  const { ms, data } = await timeUntilClosed(socket, 3000);
  assert.match(data, /^HTTP\/1\.1 200/);
  assert.ok(ms < 2500, `closed after ${ms} ms`);
});

test('limits: a body that trickles in is cut off by requestTimeout (2 s) within 4 s', async () => {
  const socket = await open();
  socket.write('POST /kms/xks/v1/health HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
  const drip = setInterval(() => !socket.destroyed && socket.write(' '), 300);
  try {
    const { ms } = await timeUntilClosed(socket, 4000);
    assert.ok(ms < 4000, `closed after ${ms} ms`);
  } finally {
    clearInterval(drip);
    socket.destroy();
  }
});

test('limits: maxConnections (3) -> the 4th concurrent connection is closed at once', async () => {
  const held = [await open(), await open(), await open()];
  await new Promise((r) => setTimeout(r, 50));
  const fourth = await open();
  try {
    const { ms } = await timeUntilClosed(fourth, 1000);
    assert.ok(ms < 1000);
  } finally {
    for (const s of held) s.destroy();
  }
  await new Promise((r) => setTimeout(r, 100));
  const again = await open();
  again.write('GET /ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  const { data } = await timeUntilClosed(again, 2000);
  assert.match(data, /^HTTP\/1\.1 200/, 'a slot is free again once the others closed');
});

test('limits: headers above maxHeaderBytes -> 431, before any handler runs', async () => {
  const socket = await open();
  socket.write(`POST /kms/xks/v1/health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  const { data } = await timeUntilClosed(socket, 2000);
  assert.match(data, /^HTTP\/1\.1 431/);
});
