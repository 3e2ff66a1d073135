import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { bodyDeadlineMs, readBody } from '../../../src/proxy/http/read-body.js';

test('bodyDeadlineMs: between 40% and 90% of requestTimeoutMs, spread by the random source', () => {
  assert.equal(bodyDeadlineMs(5000, () => 0), 2000);
  assert.equal(bodyDeadlineMs(5000, () => 0.999999), 4500);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const d = bodyDeadlineMs(5000);
    assert.ok(d >= 2000 && d <= 4500, `deadline ${d}`);
    seen.add(Math.floor(d / 250));
  }
  assert.ok(seen.size >= 5, `200 deadlines fall in ${seen.size} buckets of 250 ms: not spread`);
});

/** A server whose handler reads the body with a deadline; reports how each read ended. */
async function withServer(
  deadlineMs: number,
  run: (port: number, ended: Promise<{ outcome: string; afterMs: number; slow: number }>, counts: { slow: number }) => Promise<void>,
): Promise<void> {
  const counts = { slow: 0 };
  let report: (r: { outcome: string; afterMs: number; slow: number }) => void = () => undefined;
  const ended = new Promise<{ outcome: string; afterMs: number; slow: number }>((resolve) => (report = resolve));
  const server = createServer((req: IncomingMessage) => {
    const started = Date.now();
    readBody(req, { limit: 1024, deadlineMs, onTooSlow: () => (counts.slow += 1) }).then(
      (body) => report({ outcome: `body ${body.length}`, afterMs: Date.now() - started, slow: counts.slow }),
      (error: Error) => report({ outcome: error.message, afterMs: Date.now() - started, slow: counts.slow }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run((server.address() as AddressInfo).port, ended, counts);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

test('readBody deadline: a body that never comes is refused at the deadline, onTooSlow called once, the connection closed', async () => {
  await withServer(300, async (port, ended) => {
    const closed = new Promise<void>((resolve) => {
      const r = request({ port, host: '127.0.0.1', method: 'POST', path: '/', headers: { 'content-length': '100' } });
      r.on('error', () => resolve()).on('close', () => resolve());
      r.flushHeaders();
    });
    const { outcome, afterMs, slow } = await ended;
    assert.equal(outcome, 'The request body did not arrive in time');
    assert.equal(slow, 1);
    // Not before the deadline (lower bounds hold on a busy machine); the upper bound is only a hang guard (100x).
    assert.ok(afterMs >= 300 * 0.95 && afterMs < 30_000, `cut after ${afterMs} ms`);
    await closed;
  });
});

test('readBody deadline: a body that arrives in time is read, and the deadline never fires', async () => {
  await withServer(300, async (port, ended, counts) => {
    const r = request({ port, host: '127.0.0.1', method: 'POST', path: '/', headers: { 'content-length': '5' } });
    r.on('error', () => undefined);
    r.end('hello');
    const { outcome } = await ended;
    assert.equal(outcome, 'body 5');
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(counts.slow, 0, 'the deadline of a body read in time never fires');
  });
});
