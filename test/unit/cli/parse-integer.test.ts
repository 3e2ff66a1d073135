import assert from 'node:assert/strict';
import { test } from 'node:test';
import { integerOption, parseInteger } from '../../../src/cli/parse-integer.js';

test('cli options: integers in range pass, anything else names the option and the range', () => {
  assert.equal(parseInteger('--port', '0', 0, 65535), 0);
  assert.equal(parseInteger('--port', '65535', 0, 65535), 65535);
  for (const bad of ['65536', '-1', '1.5', 'abc', '']) {
    assert.throws(() => parseInteger('--port', bad, 0, 65535), /--port must be an integer 0-65535, got/, bad);
  }
  assert.throws(() => parseInteger('--connecting-ms', '-5', 0), /--connecting-ms must be an integer >= 0, got -5/);
  assert.throws(() => integerOption('--id-length', 20, 30, ' (spec A12)')('19'), /--id-length must be an integer 20-30 \(spec A12\), got 19/);
});
