import assert from 'node:assert/strict';
import { test } from 'node:test';
import { faultTargetProblems } from '../../../../src/proxy/faults/fault-targets.js';
import type { FaultRule } from '../../../../src/proxy/faults/fault-rules.js';

const scopes = [
  { name: 'dev', keys: ['dev-key-1', 'dev-key-encrypt-only'] },
  { name: 'other', keys: ['o-1'] },
];
const error = { type: 'error', errorName: 'InternalException' } as const;

test('faultTargetProblems: rules naming what exists (or nothing) -> no problem', () => {
  const rules: FaultRule[] = [{ probability: 1, fault: error }, { keyStore: 'dev', probability: 1, fault: error }, { keyStore: 'dev', externalKeyId: 'dev-key-1', probability: 1, fault: error }, { externalKeyId: 'o-1', probability: 1, fault: error }];
  assert.deepEqual(faultTargetProblems(rules, scopes), []);
});

test('faultTargetProblems: unknown key store -> refused with the key stores that exist', () => {
  assert.deepEqual(faultTargetProblems([{ keyStore: 'default', probability: 1, fault: error }], scopes), ['0.keyStore: no key store named "default" (key stores: dev, other)']);
});

test('faultTargetProblems: unknown key -> refused with the keys of the store named, or of every store', () => {
  assert.deepEqual(faultTargetProblems([{ probability: 1, fault: error }, { keyStore: 'dev', externalKeyId: 'o-1', probability: 1, fault: error }], scopes), [
    '1.externalKeyId: no key "o-1" in key store dev (keys: dev-key-1, dev-key-encrypt-only)',
  ]);
  assert.deepEqual(faultTargetProblems([{ externalKeyId: 'key-1', probability: 1, fault: error }], scopes), [
    '0.externalKeyId: no key "key-1" in any key store (keys: dev-key-1, dev-key-encrypt-only, o-1)',
  ]);
});
