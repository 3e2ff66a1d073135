import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSessionPool, PoolTimeoutError } from '../../../../../src/proxy/keystore/pkcs11/session-pool.js';

function pool(max: number) {
  let next = 0;
  const closed: number[] = [];
  const p = createSessionPool<number>({ max, open: () => ++next, close: (s) => closed.push(s), now: Date.now });
  return { p, closed, opened: () => next };
}

test('session pool: never more than max sessions; a waiter gets the next released one', async () => {
  const { p, opened } = pool(2);
  const a = await p.acquire(Date.now() + 1000);
  const b = await p.acquire(Date.now() + 1000);
  const waiting = p.acquire(Date.now() + 5000);
  assert.deepEqual(p.stats(), { open: 2, inUse: 2, max: 2, waiting: 1 });
  p.release(a, false);
  assert.equal(await waiting, a);
  assert.equal(opened(), 2);
  p.release(a, false);
  p.release(b, false);
  assert.deepEqual(p.stats(), { open: 2, inUse: 0, max: 2, waiting: 0 });
});

test('session pool: no session free by the deadline -> PoolTimeoutError, and the waiter is gone', async () => {
  const { p } = pool(1);
  const a = await p.acquire(Date.now() + 1000);
  await assert.rejects(p.acquire(Date.now() + 20), PoolTimeoutError);
  assert.equal(p.stats().waiting, 0);
  p.release(a, false);
  assert.equal(await p.acquire(Date.now() + 1000), a);
});

test('session pool: a discarded session is closed and a new one opened for the next waiter; discardAll closes idle now, busy on release', async () => {
  const { p, closed, opened } = pool(1);
  const a = await p.acquire(Date.now() + 1000);
  const waiting = p.acquire(Date.now() + 5000);
  p.release(a, true);
  const b = await waiting;
  assert.notEqual(b, a);
  assert.deepEqual(closed, [a]);
  p.discardAll();
  assert.deepEqual(closed, [a], 'a busy session is not closed under its user');
  p.release(b, false);
  assert.deepEqual(closed, [a, b], 'it is closed when it comes back');
  const c = await p.acquire(Date.now() + 1000);
  assert.equal(c, opened());
});

test('session pool: open failing -> the acquire rejects with its error', async () => {
  const p = createSessionPool<number>({ max: 1, open: () => { throw Object.assign(new Error('CKR_DEVICE_ERROR'), { code: 0x30 }); }, close: () => undefined, now: Date.now });
  await assert.rejects(p.acquire(Date.now() + 100), /CKR_DEVICE_ERROR/);
});
