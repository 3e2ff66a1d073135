import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  InternalException,
  MethodNotAllowedException,
  sanitizeErrorMessage,
  toWireBody,
  toXksError,
  ValidationException,
  XKS_ERROR_CLASSES,
  XKS_ERROR_STATUS,
  XksError,
} from '../../../src/errors/xks-errors.js';

interface ErrorRow {
  errorName: string;
  httpStatus: number;
  apis: string;
}
const vector = JSON.parse(readFileSync(new URL('../../vectors/error-table.json', import.meta.url), 'utf8')) as { source: string; errors: ErrorRow[] };

const PRINTABLE_UNDER_512 = /^[\x20-\x7e]{0,511}$/;

test('error table: the vector is spec A10 (12 rows, unique names, with a source)', () => {
  assert.match(vector.source, /A10/);
  assert.equal(vector.errors.length, 12);
  assert.equal(new Set(vector.errors.map((r) => r.errorName)).size, 12);
});

test('error table: XKS_ERROR_STATUS equals the spec A10 vector exactly', () => {
  const fromVector = Object.fromEntries(vector.errors.map((r) => [r.errorName, r.httpStatus]));
  assert.deepEqual({ ...XKS_ERROR_STATUS }, fromVector);
  assert.ok(Object.isFrozen(XKS_ERROR_STATUS));
});

test('error table: XKS_ERROR_CLASSES has one class per errorName', () => {
  assert.deepEqual(Object.keys(XKS_ERROR_CLASSES).sort(), vector.errors.map((r) => r.errorName).sort());
  assert.ok(Object.isFrozen(XKS_ERROR_CLASSES));
});

for (const row of vector.errors) {
  test(`error class ${row.errorName}: errorName and httpStatus ${row.httpStatus}, wire body {errorName, errorMessage}`, () => {
    const Class = XKS_ERROR_CLASSES[row.errorName as keyof typeof XKS_ERROR_CLASSES];
    assert.ok(Class !== undefined);
    const error = new Class('something went wrong');
    assert.ok(error instanceof XksError);
    assert.ok(error instanceof Error);
    assert.equal(error.errorName, row.errorName);
    assert.equal(error.httpStatus, row.httpStatus);
    assert.equal(error.constructor.name, row.errorName, 'class named by errorName (STYLE naming)');
    assert.deepEqual(toWireBody(error), { errorName: row.errorName, errorMessage: 'something went wrong' });
    assert.deepEqual(Object.keys(toWireBody(error)).sort(), ['errorMessage', 'errorName']);
  });
}

test('error class: a hostile message is sanitized at construction, detail kept for the log only', () => {
  const error = new ValidationException(`bad\u0000value\n${'x'.repeat(2000)}`, { detail: 'internal: /etc/secret path' });
  assert.match(error.message, PRINTABLE_UNDER_512);
  assert.equal(error.detail, 'internal: /etc/secret path');
  assert.ok(!JSON.stringify(toWireBody(error)).includes('/etc/secret'));
});

const hostile: readonly [string, string][] = [
  ['empty', ''],
  ['control characters', 'a\u0000b\u0001c\u0007d\u001be\u007ff\tg\rh\ni'],
  ['unicode', 'clé 🔑 ключ 鍵 \u2028\u2029 \ufeff'],
  ['lone surrogates', 'x\ud800y\udfffz'],
  ['10 KB', 'A'.repeat(10 * 1024)],
  ['10 KB of multi-byte chars', '🔑'.repeat(5 * 1024)],
  ['exactly 511 printable', 'B'.repeat(511)],
  ['exactly 512 printable', 'C'.repeat(512)],
  ['HTML and JSON metacharacters', '<script>"\\\'{}</script>'],
];

for (const [condition, input] of hostile) {
  test(`sanitizeErrorMessage: ${condition} -> printable ASCII under 512 chars`, () => {
    const out = sanitizeErrorMessage(input);
    assert.match(out, PRINTABLE_UNDER_512);
    assert.ok(out.length < 512);
  });
}

test('sanitizeErrorMessage: printable input under 512 chars is unchanged', () => {
  const input = 'The request body must be a JSON object, got an array (see spec A3) ~!@#$%^&*()_+';
  assert.equal(sanitizeErrorMessage(input), input);
  assert.equal(sanitizeErrorMessage('B'.repeat(511)), 'B'.repeat(511));
});

test('sanitizeErrorMessage: long input is cut with a visible marker', () => {
  const out = sanitizeErrorMessage('D'.repeat(10_000));
  assert.equal(out.length, 511);
  assert.ok(out.endsWith('...'));
});

test('toXksError: a plain Error -> InternalException with a generic message that hides the original', () => {
  const original = new Error('ENOENT: open /var/lib/xks/keys/key-1.json secret=hunter2');
  const error = toXksError(original);
  assert.ok(error instanceof InternalException);
  assert.equal(error.errorName, 'InternalException');
  assert.equal(error.httpStatus, 500);
  assert.match(error.message, PRINTABLE_UNDER_512);
  for (const fragment of ['ENOENT', '/var/lib', 'key-1.json', 'hunter2']) {
    assert.ok(!error.message.includes(fragment), `message leaks ${fragment}`);
    assert.ok(!JSON.stringify(toWireBody(error)).includes(fragment), `wire body leaks ${fragment}`);
  }
  assert.match(error.detail ?? '', /ENOENT/, 'the cause stays available for the log');
  assert.equal(error.cause, original);
});

for (const [condition, thrown] of [
  ['a string', 'boom: secret=hunter2'],
  ['undefined', undefined],
  ['null', null],
  ['an object', { code: 'hunter2' }],
  ['a TypeError', new TypeError('Cannot read properties of undefined (reading hunter2)')],
] as const) {
  test(`toXksError: ${condition} -> InternalException with a generic message`, () => {
    const error = toXksError(thrown);
    assert.ok(error instanceof InternalException);
    assert.ok(!error.message.includes('hunter2'));
    assert.match(error.message, PRINTABLE_UNDER_512);
  });
}

test('toXksError: an XksError passes through unchanged', () => {
  const error = new ValidationException('plaintext is required');
  assert.equal(toXksError(error), error);
});

test('MethodNotAllowedException: 405 with Allow: POST, UnsupportedOperationException on the wire (spec A1 / C6)', () => {
  const e = new MethodNotAllowedException('DELETE\u001b[2J');
  assert.equal(e.httpStatus, 405);
  assert.equal(e.errorName, 'UnsupportedOperationException');
  assert.deepEqual(e.headers, { Allow: 'POST' });
  assert.deepEqual(toWireBody(e), { errorName: 'UnsupportedOperationException', errorMessage: 'HTTP method DELETE?[2J is not allowed; XKS APIs accept POST only' });
});
