/**
 * The bounds of the lingering close (src/proxy/http/lingering-close.ts) with small limits, on the app listening on
 * 127.0.0.1:0: the time bound, the byte bound, 0 = close at once, and the end when the client closes its side.
 * The end-to-end proof (real `xks serve`, Node/curl clients, 50 MiB sender) is test/e2e/lingering-close.test.ts.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { createRefusalCounters, type RefusalCounters } from '../../../src/proxy/http/refusal-counters.js';
import { createTestApp, type TestApp } from '../../support/test-app.js';
import { pollUntil } from '../../support/poll-until.js';

const HANG_GUARD_MS = 30_000;

async function listen(limits: Record<string, number>): Promise<{ t: TestApp; server: Server; port: number; refusals: RefusalCounters }> {
  const refusals = createRefusalCounters();
  const t = createTestApp({ rawConfig: { logging: { level: 'debug' }, limits }, deps: { refusals } });
  const server = t.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { t, server, port: (server.address() as AddressInfo).port, refusals };
}

/** An unsigned request (refused with 401 from its headers) that declares a body it has not sent yet. */
function refusedRequest(port: number, contentLength: number): Socket {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  socket.on('error', () => undefined);
  socket.write(`POST /kms/xks/v1/keys/key-1/encrypt HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n`);
  return socket;
}

/**
 * Resolves with what the server sent once it has closed the connection, or rejects after `boundMs`: a hang guard
 * (HANG_GUARD_MS), not a timing assertion; which bound ended the linger is proven by its log line's lingerOutcome.
 */
function serverCloses(socket: Socket, boundMs: number): Promise<string> {
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not closed within ${boundMs} ms; got ${JSON.stringify(text.slice(0, 80))}`)), boundMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

function lingerLog(t: TestApp): Promise<Record<string, unknown>> {
  return pollUntil('the lingering close log line', () => t.logs.find((l) => l.msg === 'lingering close ended'));
}

test('lingering close: a client that keeps trickling after its 401 -> closed at the time bound (300 ms), 401 received', async () => {
  const { t, server, port, refusals } = await listen({ lingeringCloseMs: 300 });
  const socket = refusedRequest(port, 10_000_000);
  const drip = setInterval(() => !socket.destroyed && socket.write('a'.repeat(100)), 30);
  try {
    const started = Date.now();
    const text = await serverCloses(socket, HANG_GUARD_MS);
    assert.match(text, /^HTTP\/1\.1 401 [\s\S]*"errorName":"AuthenticationFailedException"/);
    assert.ok(Date.now() - started >= 250, 'it lingered instead of closing at once');
    assert.equal((await lingerLog(t)).lingerOutcome, 'time-limit');
    assert.equal(refusals.snapshot().lingeringCut, 1, 'a linger cut at its bound is counted');
  } finally {
    clearInterval(drip);
    socket.destroy();
    server.close();
  }
});

test('lingering close: a client that sends past the byte bound (64 KiB) -> closed at once, discarded bytes just above the bound', async () => {
  const { t, server, port, refusals } = await listen({ lingeringCloseMaxBytes: 65_536 });
  const socket = refusedRequest(port, 10_000_000);
  // Keeps writing until the proxy's close surfaces (a half-open client learns of it only by writing).
  const pump = setInterval(() => !socket.destroyed && socket.write(Buffer.alloc(16_384, 0x61)), 5);
  try {
    assert.match(await serverCloses(socket, HANG_GUARD_MS), /^HTTP\/1\.1 401 /);
    const line = await lingerLog(t);
    assert.equal(line.lingerOutcome, 'byte-limit');
    assert.equal(refusals.snapshot().lingeringCut, 1, 'a linger cut at its bound is counted');
    assert.ok((line.discardedBytes as number) > 65_536 && (line.discardedBytes as number) <= 65_536 + 16_384 * 4, String(line.discardedBytes));
  } finally {
    clearInterval(pump);
    socket.destroy();
    server.close();
  }
});

test('lingering close: lingeringCloseMs 0 -> no lingering, the connection closes right after the 401', async () => {
  const { t, server, port, refusals } = await listen({ lingeringCloseMs: 0 });
  const socket = refusedRequest(port, 10_000_000);
  const drip = setInterval(() => !socket.destroyed && socket.write('a'), 30);
  try {
    assert.match(await serverCloses(socket, HANG_GUARD_MS), /^HTTP\/1\.1 401 /);
    assert.equal((await lingerLog(t)).lingerOutcome, 'not-needed');
    assert.equal(refusals.snapshot().lingeringCut, 0, 'no linger, nothing cut');
  } finally {
    clearInterval(drip);
    socket.destroy();
    server.close();
  }
});

test('lingering close: the client closes its side -> the proxy closes at once (default bounds)', async () => {
  const { t, server, port } = await listen({});
  const socket = refusedRequest(port, 1000);
  try {
    const closed = serverCloses(socket, HANG_GUARD_MS);
    // The client closes once the proxy is lingering (its 401 has arrived), not after a guessed 50 ms.
    let head = '';
    socket.on('data', (d: Buffer) => (head += d.toString('latin1')));
    await pollUntil('the 401 head', () => head.includes('\r\n\r\n'));
    socket.end('{"partial":');
    assert.match(await closed, /^HTTP\/1\.1 401 /);
    const line = await lingerLog(t);
    assert.equal(line.lingerOutcome, 'client-closed');
    assert.equal(line.discardedBytes, 11);
  } finally {
    socket.destroy();
    server.close();
  }
});
