import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeJsonError, jsonErrorOffset, lineAndColumn } from '../../../../src/proxy/config/json-position.js';
import { ConfigError, loadConfigFile } from '../../../../src/proxy/config/load-config.js';

test('lineAndColumn: offsets -> 1-based line and column', () => {
  assert.deepEqual(lineAndColumn('abc', 0), { line: 1, column: 1 });
  assert.deepEqual(lineAndColumn('ab\ncd\nef', 4), { line: 2, column: 2 });
  assert.deepEqual(lineAndColumn('ab\n', 3), { line: 2, column: 1 });
  assert.deepEqual(lineAndColumn('ab', 99), { line: 1, column: 3 });
});

test('describeJsonError: a SyntaxError with a position gains its line and column', () => {
  const text = '{\n  "a": 1,\n  "b" 2\n}';
  let error: unknown;
  try {
    JSON.parse(text);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof SyntaxError);
  assert.match(describeJsonError(text, error), /\(line 3, column 7\)$/);
  assert.equal(describeJsonError('', new SyntaxError('Unexpected end of JSON input')), 'Unexpected end of JSON input');
});

test('loadConfigFile: a configuration that is not JSON is refused with the line and column of the mistake', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xks-json-'));
  try {
    const file = join(dir, 'config.json');
    writeFileSync(file, '{\n  "listen": { "port": 7700 },\n  "keyStores": [,]\n}\n');
    assert.throws(
      () => loadConfigFile(file),
      (e: unknown) => e instanceof ConfigError && /not valid JSON: .*\(line 3, column 17\)/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('jsonErrorOffset: the first character that cannot be accepted, also where Node names no position', () => {
  assert.equal(jsonErrorOffset('[,]'), 1);
  assert.equal(jsonErrorOffset('{"a": 1 "b": 2}'), 8);
  assert.equal(jsonErrorOffset('{"a": tru }'), 9);
  assert.equal(jsonErrorOffset('{"a": [1, 2]}'), undefined);
});
