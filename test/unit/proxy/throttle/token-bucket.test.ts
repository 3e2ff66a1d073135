import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTokenBucket } from '../../../../src/proxy/throttle/token-bucket.js';

test('token bucket: burst then refill at the rate; never above capacity; reconfigure clamps', () => {
  let now = 0;
  const b = createTokenBucket(10, 3, () => now);
  assert.deepEqual([b.tryTake(), b.tryTake(), b.tryTake(), b.tryTake()], [true, true, true, false]);
  now += 100;
  assert.equal(b.tryTake(), true);
  assert.equal(b.tryTake(), false);
  now += 60_000;
  assert.equal([1, 2, 3, 4].map(() => b.tryTake()).filter(Boolean).length, 3);
  now += 60_000;
  b.reconfigure(1, 1);
  assert.deepEqual([b.tryTake(), b.tryTake()], [true, false]);
});
