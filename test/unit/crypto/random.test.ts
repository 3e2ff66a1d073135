import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPooledRandomBytes, secureRandomBytes } from '../../../src/crypto/random.js';

test('random: secureRandomBytes(n) -> plain Uint8Array of n bytes', () => {
  for (const n of [0, 1, 12, 16, 32, 4096]) {
    const got = secureRandomBytes(n);
    assert.equal(Object.getPrototypeOf(got), Uint8Array.prototype);
    assert.equal(got.length, n);
  }
});

test('random: two 16-byte draws -> differ', () => {
  assert.notDeepEqual(secureRandomBytes(16), secureRandomBytes(16));
});

test('random: negative length -> RangeError', () => {
  assert.throws(() => secureRandomBytes(-1), RangeError);
});

test('random: pooled draws -> own copies of the requested length, never repeated across pool refills, pool wiped as used', () => {
  const pooled = createPooledRandomBytes(64);
  const seen = new Set<string>();
  const draws: Uint8Array[] = [];
  const asDrawn: string[] = [];
  for (let i = 0; i < 200; i++) {
    const iv = pooled(12);
    assert.equal(Object.getPrototypeOf(iv), Uint8Array.prototype);
    assert.equal(iv.length, 12);
    assert.equal(iv.buffer.byteLength, 12, 'a copy, not a view of the pool');
    const hex = Buffer.from(iv).toString('hex');
    assert.ok(!seen.has(hex), `draw ${i} repeats an earlier one`);
    seen.add(hex);
    draws.push(iv);
    asDrawn.push(hex);
  }
  assert.deepEqual(draws.map((d) => Buffer.from(d).toString('hex')), asDrawn, 'later draws (and refills) do not change earlier ones');
  assert.equal(pooled(100).length, 100, 'larger than the pool: drawn directly');
});
