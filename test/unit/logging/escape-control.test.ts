import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeControl, escapeControlDeep, escapeControlLines } from '../../../src/logging/escape-control.js';

/** Every character a terminal acts on instead of printing; each must come out as printable ASCII. */
const CONTROLS = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
  '\u007f',
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i)),
  '\u2028', '\u2029', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069',
];

const rows: readonly (readonly [string, string, string])[] = [
  ['OSC title + clear screen (issue 21)', 'x\u001b]0;PWNED\u0007\u001b[2J', 'x\\x1b]0;PWNED\\x07\\x1b[2J'],
  ['newline in a fleet id', 'ekm-1\nXKS OK - forged', 'ekm-1\\nXKS OK - forged'],
  ['CR, tab', 'a\rb\tc', 'a\\rb\\tc'],
  ['NUL, DEL', 'a\u0000b\u007f', 'a\\x00b\\x7f'],
  ['8-bit CSI (C1)', '\u009b2J', '\\x9b2J'],
  ['right-to-left override', 'key\u202etxt.exe', 'key\\u202etxt.exe'],
  ['line separator', 'a\u2028b', 'a\\u2028b'],
  ['plain text unchanged', 'KeyNotFoundException: key-1 (ü, 鍵)', 'KeyNotFoundException: key-1 (ü, 鍵)'],
];

for (const [condition, input, expected] of rows) {
  test(`escapeControl: ${condition} -> visible escapes`, () => {
    assert.equal(escapeControl(input), expected);
  });
}

test('escapeControl: every ASCII-control, DEL, C1, separator and bidi control -> printable ASCII only', () => {
  for (const c of CONTROLS) {
    const out = escapeControl(`a${c}b`);
    assert.match(out, /^a\\[\x20-\x7e]+b$/, `U+${c.charCodeAt(0).toString(16).padStart(4, '0')} -> ${JSON.stringify(out)}`);
  }
});

test('escapeControlLines: line breaks we wrote are kept, everything else escaped', () => {
  assert.equal(escapeControlLines('one\u001b[2J\ntwo\r\n'), 'one\\x1b[2J\ntwo\\r\n');
});

test('escapeControlDeep: strings at any depth escaped, numbers, booleans and null kept', () => {
  const doc = { a: 'x\u001b[2J', n: 3, b: true, z: null, list: ['ok', 'a\nb', { deep: '\u0007' }] };
  assert.deepEqual(escapeControlDeep(doc), { a: 'x\\x1b[2J', n: 3, b: true, z: null, list: ['ok', 'a\\nb', { deep: '\\x07' }] });
});
