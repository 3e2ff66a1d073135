import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SigV4Error, formatAmzDate, parseAmzDate } from '../../../src/sigv4/index.js';

test('formatAmzDate: 2024-05-15T12:00:00.999Z -> 20240515T120000Z (milliseconds dropped)', () => {
  assert.equal(formatAmzDate(Date.parse('2024-05-15T12:00:00.999Z')), '20240515T120000Z');
});

test('formatAmzDate: NaN -> RangeError', () => {
  assert.throws(() => formatAmzDate(Number.NaN), RangeError);
});

test('parseAmzDate: leap day 20240229T235959Z -> epoch ms', () => {
  assert.equal(parseAmzDate('20240229T235959Z'), Date.parse('2024-02-29T23:59:59Z'));
});

test('parseAmzDate: round trip of formatAmzDate -> same instant', () => {
  const t = Date.parse('1999-12-31T23:59:59Z');
  assert.equal(parseAmzDate(formatAmzDate(t)), t);
});

for (const bad of [
  '', '20240230T120000Z', '20230229T120000Z', '20241301T120000Z', '20240500T120000Z', '20240515T240000Z',
  '20240515T126000Z', '20240515T120060Z', '20240515T120000', '20240515t120000z', '2024-05-15T12:00:00Z',
  '20240515T120000+0000', ' 20240515T120000Z', '00500515T120000Z', '２０２４0515T120000Z',
]) {
  test(`parseAmzDate: ${JSON.stringify(bad)} -> malformed`, () => {
    assert.throws(() => parseAmzDate(bad), (err: unknown) => err instanceof SigV4Error && err.reason === 'malformed');
  });
}

test('parseAmzDate: the remembered last value answers only for that exact value; others are parsed and refused as before', () => {
  const ok = '20240515T120000Z';
  assert.equal(parseAmzDate(ok), Date.parse('2024-05-15T12:00:00Z'));
  assert.equal(parseAmzDate(ok), Date.parse('2024-05-15T12:00:00Z'));
  assert.throws(() => parseAmzDate(`${ok} `), (err: unknown) => err instanceof SigV4Error && err.reason === 'malformed');
  assert.throws(() => parseAmzDate(''), (err: unknown) => err instanceof SigV4Error && err.reason === 'malformed');
  assert.equal(parseAmzDate('20240515T120001Z'), Date.parse('2024-05-15T12:00:01Z'));
  assert.equal(parseAmzDate(ok), Date.parse('2024-05-15T12:00:00Z'));
});
