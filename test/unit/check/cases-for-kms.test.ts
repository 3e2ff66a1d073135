import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_CASES, casesForKms, FOR_KMS_MUST_CASES } from '../../../src/check/run-check.js';

test('casesForKms: the same cases in the same order; tls.public-ca becomes a MUST, tls.https loses its https need; nothing else changes', () => {
  const strict = casesForKms(ALL_CASES);
  assert.deepEqual(strict.map((c) => c.id), ALL_CASES.map((c) => c.id));
  assert.deepEqual(FOR_KMS_MUST_CASES, ['tls.public-ca']);
  for (const [i, c] of strict.entries()) {
    const before = ALL_CASES[i];
    assert.ok(before !== undefined);
    if (c.id === 'tls.public-ca') {
      assert.equal(before.level, 'SHOULD');
      assert.equal(c.level, 'MUST');
    } else if (c.id === 'tls.https') {
      assert.deepEqual(before.needs, ['https']);
      assert.equal(c.needs, undefined);
      assert.equal(c.level, 'MUST');
    } else {
      assert.equal(c, before, c.id);
    }
  }
  // The plain list is untouched (casesForKms copies).
  assert.equal(ALL_CASES.find((c) => c.id === 'tls.public-ca')?.level, 'SHOULD');
});
