import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJsonOrUndefined } from '../../../src/proxy/http/request-json.js';

test('parseJsonOrUndefined: UTF-8 JSON parses; a leading byte order mark is dropped as a UTF-8 decoder does', () => {
  assert.deepEqual(parseJsonOrUndefined(Buffer.from('{"a":"clé 🔑"}')), { a: 'clé 🔑' });
  assert.deepEqual(parseJsonOrUndefined(Buffer.from('\ufeff{"a":1}')), { a: 1 });
});

test('parseJsonOrUndefined: bytes that are not well-formed UTF-8 are refused, never replaced', () => {
  for (const bytes of [
    [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d], // invalid byte inside a string
    [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d], // overlong '/'
    [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d], // UTF-16 surrogate
    [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d], // truncated sequence
  ]) {
    assert.equal(parseJsonOrUndefined(Buffer.from(bytes)), undefined, Buffer.from(bytes).toString('hex'));
  }
});

test('parseJsonOrUndefined: not JSON, or empty -> undefined', () => {
  assert.equal(parseJsonOrUndefined(Buffer.from('')), undefined);
  assert.equal(parseJsonOrUndefined(Buffer.from('{"a":')), undefined);
  assert.equal(parseJsonOrUndefined(Buffer.from('\ufeff')), undefined);
});
