/**
 * The front door's bounds (issue 10; docs "Limits and hostile traffic") against a real listener started by
 * startProxy, driven by raw sockets so each test controls exactly what a hostile client sends: pipelining depth,
 * idle eviction near the connection cap, the per-address cap, unauthenticated requests that never send their body,
 * the body budget, and the counters and log lines these refusals leave.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';
import { buildSignedHead, buildSignedRequest } from '../support/load/raw-request.js';
import { startInProcessProxy, type InProcessProxy } from '../support/in-process-proxy.js';
import { TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET, testKey } from '../support/test-app.js';
import { pollUntil } from '../support/poll-until.js';

const HEALTH_PATH = '/kms/xks/v1/health';
const HEALTH_BODY = JSON.stringify({ requestMetadata: { kmsRequestId: 'front-door', kmsOperation: 'KmsHealthCheck' } });
const WRONG_SECRET = `${TEST_SECRET.slice(0, -1)}X`;
const PING = 'GET /ping HTTP/1.1\r\nHost: x\r\n\r\n';
const HANG_GUARD_MS = 30_000;

const proxies: InProcessProxy[] = [];
after(async () => {
  for (const p of proxies) await p.stop();
});

async function start(limits: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<InProcessProxy> {
  const p = await startInProcessProxy({ keys: [testKey('k1')], config: () => ({ limits, ...extra }) });
  proxies.push(p);
  return p;
}

function open(p: InProcessProxy): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(p.proxy.port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

function closed(socket: Socket): Promise<void> {
  return socket.destroyed || socket.readyState === 'closed' ? Promise.resolve() : new Promise((r) => socket.once('close', () => r()));
}

/**
 * Resolve when the socket closes. The 30 s bound is a hang guard, not a timing assertion: what closed the socket is
 * proven by the refusal counters (a busy machine makes the test slower, never wrong).
 */
async function closedByProxy(socket: Socket, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([closed(socket), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: still open after 30 s (hang guard)`)), HANG_GUARD_MS)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Count the requests the proxy's HTTP server has parsed (its 'request' event runs after the connection guard's own
 * listener has marked the connection busy), so a test waits for "the proxy saw this request" instead of sleeping.
 */
function requestsSeen(p: InProcessProxy): () => number {
  let n = 0;
  p.proxy.server.on('request', () => (n += 1));
  return () => n;
}

/** Send one request on a keep-alive socket and resolve with the status of its (complete) response. */
function roundTrip(socket: Socket, request: string | Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    let data = '';
    const timer = setTimeout(() => reject(new Error('no response within 30 s (hang guard)')), 30_000);
    const onData = (d: Buffer): void => {
      data += d.toString('latin1');
      const end = data.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(data)?.[1];
      if (end >= 0 && length !== undefined && data.length >= end + 4 + Number(length)) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve(Number(data.slice(9, 12)));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(request);
  });
}

const signedHealth = (secret = TEST_SECRET) =>
  buildSignedRequest({ path: HEALTH_PATH, body: HEALTH_BODY, accessKeyId: TEST_ACCESS_KEY_ID, secret, region: TEST_REGION });

/** Headers of a signed request (right access key id, given secret) declaring `length` bytes, then `sent` of them. */
function heldRequest(secret: string, length: number, sent = 0): string {
  const body = HEALTH_BODY.padEnd(length, ' ');
  return buildSignedHead({ path: HEALTH_PATH, body, accessKeyId: TEST_ACCESS_KEY_ID, secret, region: TEST_REGION }) + body.slice(0, sent);
}


describe('front door', { timeout: 300_000 }, () => {
  it('pipelining: 2000 pipelined GET /ping never read -> connection closed at maxPipelinedRequests (16), counted; a signed client is served', async () => {
    const p = await start({});
    const flood = await open(p);
    flood.on('error', () => undefined);
    flood.write(PING.repeat(2000));
    flood.resume(); // read (and drop) whatever was answered, so the close is seen
    await closedByProxy(flood, 'pipelining connection');
    const counts = p.proxy.refusals.snapshot();
    assert.ok(counts.pipelining >= 1, JSON.stringify(counts));
    assert.ok(counts.connectionGone < 100, `the parser stopped at the limit: ${counts.connectionGone} of 2000 requests were parsed after the close`);
    const client = await open(p);
    assert.equal(await roundTrip(client, signedHealth()), 200);
    client.destroy();
  });

  it('idle eviction: above maxConnections - reservedConnections, each new connection closes the longest-idle one; it is served', async () => {
    const p = await start({ maxConnections: 6, reservedConnections: 2 });
    const idle: Socket[] = [];
    for (let i = 0; i < 4; i++) {
      const s = await open(p);
      s.on('error', () => undefined);
      assert.equal(await roundTrip(s, PING), 200);
      idle.push(s);
    }
    const fifth = await open(p);
    await closedByProxy(idle[0] as Socket, 'the longest-idle connection');
    assert.equal(await roundTrip(fifth, signedHealth()), 200, 'the new connection is served');
    const sixth = await open(p);
    await closedByProxy(idle[1] as Socket, 'the next longest-idle connection');
    assert.equal(await roundTrip(sixth, PING), 200);
    assert.equal(idle[2]?.destroyed, false, 'connections idle for less time stay open');
    assert.equal(p.proxy.refusals.snapshot().idleClosed, 2);
    for (const s of [...idle, fifth, sixth]) s.destroy();
  });

  it('idle eviction spares signed clients: the longest-idle connection that never carried a signed request goes first; a signed one only when no other is idle', async () => {
    const p = await start({ maxConnections: 6, reservedConnections: 2 });
    const signed = await open(p);
    signed.on('error', () => undefined);
    assert.equal(await roundTrip(signed, signedHealth()), 200, 'a signed request: this connection is the oldest idle one');
    const pings: Socket[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await open(p);
      s.on('error', () => undefined);
      assert.equal(await roundTrip(s, PING), 200);
      pings.push(s);
    }
    const fifth = await open(p);
    fifth.on('error', () => undefined);
    await closedByProxy(pings[0] as Socket, 'the longest-idle unsigned connection');
    assert.equal(signed.destroyed, false, 'the signed connection, idle longer, stays open');
    assert.equal(await roundTrip(signed, signedHealth()), 200, 'and keeps being served');
    // Only signed connections left: the unsigned ones go away, and the proxy has seen them go.
    for (const s of [pings[1], pings[2], fifth]) s?.destroy();
    const connections = (): Promise<number> => new Promise((resolve) => p.proxy.server.getConnections((_e, n) => resolve(n)));
    await pollUntil('the proxy saw the unsigned connections close', async () => (await connections()) === 1, { timeoutMs: HANG_GUARD_MS });
    const others: Socket[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await open(p);
      s.on('error', () => undefined);
      assert.equal(await roundTrip(s, signedHealth()), 200);
      others.push(s);
    }
    await open(p).then((s) => others.push(s));
    await closedByProxy(signed, 'with no unsigned connection idle, the longest-idle signed one');
    assert.equal(p.proxy.refusals.snapshot().idleClosed, 2);
    for (const s of others) s.destroy();
  });

  it('connection cap: connections with a request in progress are never closed for room; above maxConnections a new one is closed, counted', async () => {
    const p = await start({ maxConnections: 3, reservedConnections: 1 });
    const seen = requestsSeen(p);
    const busy: Socket[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await open(p);
      s.on('error', () => undefined);
      s.write(heldRequest(TEST_SECRET, 1000)); // headers only: a request in progress
      busy.push(s);
      // Busy once the proxy has parsed its headers (before that it is a silent connection, closable for room).
      await pollUntil(`request ${i + 1} in progress`, () => seen() === i + 1, { timeoutMs: HANG_GUARD_MS });
    }
    const extra = await open(p);
    extra.on('error', () => undefined);
    await closedByProxy(extra, 'the connection above the cap');
    assert.ok(busy.every((s) => !s.destroyed), 'no busy connection was closed');
    assert.ok(p.proxy.refusals.snapshot().connections >= 1);
    for (const s of busy) s.destroy();
  });

  it('per address: maxConnectionsPerAddress 2 -> a third connection closes the idle one, or is closed when both are busy', async () => {
    const p = await start({ maxConnectionsPerAddress: 2 });
    const seen = requestsSeen(p);
    const a = await open(p);
    a.on('error', () => undefined);
    assert.equal(await roundTrip(a, PING), 200);
    const b = await open(p);
    b.on('error', () => undefined);
    b.write(heldRequest(TEST_SECRET, 1000));
    await pollUntil("b's request in progress", () => seen() === 2, { timeoutMs: HANG_GUARD_MS });
    const c = await open(p);
    c.on('error', () => undefined);
    await closedByProxy(a, 'the idle connection of the same address');
    c.write(heldRequest(TEST_SECRET, 1000));
    await pollUntil("c's request in progress", () => seen() === 3, { timeoutMs: HANG_GUARD_MS });
    const refusedBefore = p.proxy.refusals.snapshot().connections;
    const d = await open(p);
    d.on('error', () => undefined);
    await closedByProxy(d, 'a third connection while two are busy');
    assert.ok(!b.destroyed && !c.destroyed);
    assert.equal(p.proxy.refusals.snapshot().connections, refusedBefore + 1, 'd was refused for the per-address cap');
    assert.ok(p.proxy.refusals.snapshot().connections >= 1);
    for (const s of [b, c]) s.destroy();
  });

  it('slot hold: 20 requests with the right access key id, a wrong secret and a body that never comes hold no concurrency slot; cut at their body deadlines (40-90% of requestTimeoutMs), logged aborted, unverified and refusedBy slowBody', async () => {
    const p = await start({ headersTimeoutMs: 1000, requestTimeoutMs: 1500 }, { throttling: { maxConcurrentRequests: 1 } });
    const held: Socket[] = [];
    for (let i = 0; i < 20; i++) {
      const s = await open(p);
      s.on('error', () => undefined);
      s.write(heldRequest(WRONG_SECRET, 200_000));
      held.push(s);
    }
    const client = await open(p);
    for (let i = 0; i < 5; i++) assert.equal(await roundTrip(client, signedHealth()), 200, 'the signed client is served while 20 requests wait for bodies');
    client.destroy();
    await Promise.all(held.map((s) => closedByProxy(s, 'a request whose body never came')));
    await pollUntil('slowBody counted 20 times', () => p.proxy.refusals.snapshot().slowBody >= 20);
    await pollUntil('20 aborted request lines', () => p.logs.filter((l) => l.outcome === 'aborted').length >= 20);
    for (const line of p.logs.filter((l) => l.msg === 'xks request' && l.outcome === 'aborted')) {
      assert.equal(Object.hasOwn(line, 'status'), false, 'an aborted request has no status');
      assert.equal(line.accessKeyIdUnverified, TEST_ACCESS_KEY_ID);
      assert.equal(Object.hasOwn(line, 'accessKeyId'), false, 'the access key id is not presented as verified');
      assert.equal(line.refusedBy, 'slowBody', 'the request line names the limit that cut it');
    }
  });

  it('body budget: maxBodyBytesInFlight full -> 429 ThrottlingException refusedBy bodyBudget, counted; freed when the held body goes', async () => {
    const p = await start({ maxBodyBytesInFlight: 262_144 });
    const holder = await open(p);
    holder.on('error', () => undefined);
    holder.write(heldRequest(TEST_SECRET, 262_144, 262_143));
    const client = await open(p);
    let status = 0;
    await pollUntil('a health call refused with 429 while the body is held', async () => {
      const c = await open(p);
      status = await roundTrip(c, signedHealth());
      c.destroy();
      return status === 429;
    }, { describe: () => `status ${status}` });
    assert.equal(p.proxy.refusals.snapshot().bodyBudget >= 1, true);
    const line = p.logs.find((l) => l.refusedBy === 'bodyBudget');
    assert.equal(line?.outcome, 'refused');
    assert.equal(line?.errorName, 'ThrottlingException');
    holder.destroy();
    // Freed when the proxy has seen the holder go: poll (a 429 meanwhile is the budget still held, not a failure).
    await pollUntil('a health call served once the held body is gone', async () => {
      const c = await open(p);
      status = await roundTrip(c, signedHealth());
      c.destroy();
      return status === 200;
    }, { timeoutMs: HANG_GUARD_MS, describe: () => `status ${status}` });
    assert.equal(await roundTrip(client, signedHealth()), 200, 'the connection opened while the budget was full is served too');
    client.destroy();
  });

  it('headers timeout: a connection that sends nothing is closed after headersTimeoutMs, counted', async () => {
    const p = await start({ headersTimeoutMs: 500, requestTimeoutMs: 1000 });
    const started = performance.now(); // before the connection exists: the proxy's timer starts later
    const silent = await open(p);
    silent.on('error', () => undefined);
    silent.resume();
    await closedByProxy(silent, 'a silent connection');
    const ms = performance.now() - started;
    assert.ok(ms >= 500 * 0.95, `closed after ${Math.round(ms)} ms: not before headersTimeoutMs (5% for timer granularity)`);
    assert.ok(p.proxy.refusals.snapshot().headersTimeout >= 1);
  });
});
