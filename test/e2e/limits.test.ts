import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { startInProcessProxy, type InProcessProxy } from '../support/in-process-proxy.js';
import { TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET, testKey } from '../support/test-app.js';
import { buildSignedHead } from '../support/load/raw-request.js';
import { pollUntil } from '../support/poll-until.js';

/**
 * Each timeout test configures a short timeout and checks "closed, and not before the configured time": the lower
 * bound is safe on a busy machine; the upper bound is a hang guard far below what the same client would take without
 * the limit (a dripped header or body would last minutes, an idle keep-alive connection 65 s by default).
 * `started` is taken before the connection exists, so the proxy's timer always starts after it.
 */
const HANG_GUARD_MS = 30_000;
/** Timer granularity: Node's timers and the test's clock may round differently by a few ms. */
const notBefore = (configuredMs: number): number => configuredMs * 0.95;

let proxy: InProcessProxy;
before(async () => {
  proxy = await startInProcessProxy({
    keys: [testKey('k1')],
    config: () => ({ limits: { headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 500, maxConnections: 3, reservedConnections: 0 } }),
  });
});
after(() => proxy.stop());

function open(p: InProcessProxy = proxy): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(p.proxy.port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolve with the ms from `started` until the server ends the connection (and what it said); reject after the hang guard. */
function timeUntilClosed(socket: Socket, started = performance.now()): Promise<{ ms: number; data: string }> {
  let data = '';
  socket.on('data', (d: Buffer) => (data += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connection still open after ${HANG_GUARD_MS} ms (hang guard)`)), HANG_GUARD_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, data });
    });
    socket.on('error', () => undefined);
  });
}

test('limits: a client sending one header byte per second is cut off by headersTimeout (1 s), not before', async () => {
  const started = performance.now();
  const socket = await open();
  const request = 'POST /kms/xks/v1/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ' + 'a'.repeat(100);
  let i = 0;
  const drip = setInterval(() => {
    if (!socket.destroyed) socket.write(request[i++ % request.length] ?? 'a');
  }, 1000);
  try {
    const { ms, data } = await timeUntilClosed(socket, started);
    assert.ok(ms >= notBefore(1000), `closed after ${Math.round(ms)} ms: before headersTimeoutMs`);
    assert.match(data, /^$|^HTTP\/1\.1 408/, 'either silently closed or 408 Request Timeout');
  } finally {
    clearInterval(drip);
    socket.destroy();
  }
});

test('limits: an idle keep-alive connection is closed after keepAliveTimeout (0.5 s), not before', async () => {
  const started = performance.now();
  const socket = await open();
  socket.write('GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n');
  const { ms, data } = await timeUntilClosed(socket, started);
  assert.match(data, /^HTTP\/1\.1 200/);
  assert.ok(ms >= notBefore(500), `closed after ${Math.round(ms)} ms: before keepAliveTimeoutMs`);
});

test('limits: a signed request whose body trickles in is cut off at its body deadline (40-90% of requestTimeout 2 s), not before, counted slowBody', async () => {
  // Signed with the right credential, so the proxy waits for the body (an unsigned one is refused at once with 401).
  const body = JSON.stringify({ requestMetadata: { kmsRequestId: 'limits', kmsOperation: 'KmsHealthCheck' } }).padEnd(1000, ' ');
  const head = buildSignedHead({ path: '/kms/xks/v1/health', body, accessKeyId: TEST_ACCESS_KEY_ID, secret: TEST_SECRET, region: TEST_REGION });
  const slowBefore = proxy.proxy.refusals.snapshot().slowBody;
  const started = performance.now();
  const socket = await open();
  socket.write(head + body.slice(0, 1));
  let sent = 1;
  const drip = setInterval(() => !socket.destroyed && sent < body.length && socket.write(body[sent++] ?? ' '), 300);
  try {
    const { ms } = await timeUntilClosed(socket, started);
    assert.ok(ms >= notBefore(2000 * 0.4), `closed after ${Math.round(ms)} ms: before the body deadline's lower bound`);
    assert.equal(proxy.proxy.refusals.snapshot().slowBody, slowBefore + 1, 'cut by the body deadline');
  } finally {
    clearInterval(drip);
    socket.destroy();
  }
});

test('limits: maxConnections (3) -> the 4th concurrent connection is closed at once, counted; a slot is free again once the others closed', async () => {
  // Its own proxy: held connections that stay silent for a minute are not closed by headersTimeoutMs meanwhile,
  // so the 4th connection can only have been closed by the cap (and the refusal counter says so).
  const capped = await startInProcessProxy({
    keys: [testKey('k1')],
    config: () => ({ limits: { headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, maxConnections: 3, reservedConnections: 0 } }),
  });
  try {
    const held = [await open(capped), await open(capped), await open(capped)];
    const fourth = await open(capped);
    try {
      const { data } = await timeUntilClosed(fourth);
      assert.equal(data, '', 'closed without an answer');
      assert.equal(capped.proxy.refusals.snapshot().connections, 1, 'closed by the connection cap');
    } finally {
      for (const s of held) s.destroy();
    }
    await pollUntil('the held connections closed on the proxy', () => new Promise<boolean>((resolve) => capped.proxy.server.getConnections((_, n) => resolve(n === 0))), { timeoutMs: HANG_GUARD_MS });
    const again = await open(capped);
    again.write('GET /ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const { data } = await timeUntilClosed(again);
    assert.match(data, /^HTTP\/1\.1 200/, 'a slot is free again once the others closed');
  } finally {
    await capped.stop();
  }
});

test('limits: headers above maxHeaderBytes -> 431, before any handler runs', async () => {
  const socket = await open();
  socket.write(`POST /kms/xks/v1/health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  const { data } = await timeUntilClosed(socket);
  assert.match(data, /^HTTP\/1\.1 431/);
});
