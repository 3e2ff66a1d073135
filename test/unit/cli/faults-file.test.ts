import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rulesFromFile } from '../../../src/cli/faults-command.js';

const error = { type: 'error', errorName: 'InternalException' } as const;

test('rulesFromFile: {"faults": [...]} (the configuration\'s shape) and a bare array give the same rules', () => {
  const rules = [{ fault: error }];
  assert.deepEqual(rulesFromFile({ faults: rules }), rules);
  assert.deepEqual(rulesFromFile(rules), rules);
  assert.deepEqual(rulesFromFile({ faults: 'x' }), { faults: 'x' }); // not unwrapped: the admin listener says why
});
