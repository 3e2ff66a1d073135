import { test } from 'node:test';
import assert from 'node:assert/strict';
import { secureRandomBytes } from '../../../src/crypto/random.js';

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
