import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeBase64Strict, encodeBase64 } from '../../../src/crypto/base64.js';

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** STYLE habit 8: hostile inputs. Each row: condition, input, expected bytes or undefined (rejected). */
const TABLE: ReadonlyArray<readonly [string, string, readonly number[] | undefined]> = [
  ['empty string', '', []],
  ['valid 1-byte tail', 'QQ==', ascii('A')],
  ['valid 2-byte tail', 'QUI=', ascii('AB')],
  ['valid 3-byte quantum', 'QUJD', ascii('ABC')],
  ['valid multi-quantum with 1-byte tail', 'QUJDRA==', ascii('ABCD')],
  ['valid + and / characters', '+/8=', [0xfb, 0xff]],
  ['valid all-zero bytes', 'AAAA', [0, 0, 0]],
  ['url-safe alphabet', '-_8=', undefined],
  ['url-safe dash', 'ab-c', undefined],
  ['url-safe underscore', 'ab_c', undefined],
  ['missing padding (1-byte tail)', 'QQ', undefined],
  ['missing padding (2-byte tail)', 'QUI', undefined],
  ['missing one pad of two', 'QQ=', undefined],
  ['extra padding ====', '====', undefined],
  ['extra padding after full quantum', 'QUJD====', undefined],
  ['three pads', 'Q===', undefined],
  ['padding in the middle', 'QQ==QUJD', undefined],
  ['padding inside a quantum', 'Q=QQ', undefined],
  ['padding then data in last quantum', 'QU=D', undefined],
  ['= only', '=', undefined],
  ['== only', '==', undefined],
  ['length 5', 'QUJDQ', undefined],
  ['length 6', 'QUJDQQ', undefined],
  ['whitespace inside', 'QU D', undefined],
  ['whitespace leading', ' QUJDQQ=', undefined],
  ['whitespace trailing', 'QUJDQQ= ', undefined],
  ['tab', 'QUJ\tQUJD', undefined],
  ['newline', 'QUJDQUJ\n', undefined],
  ['newline between quanta', 'QUJD\nQUJ', undefined],
  ['CRLF', 'QUJDQU\r\n', undefined],
  ['NUL character', 'QUJ\u0000', undefined],
  ['non-ASCII letter', 'QUJ\u00e9', undefined],
  ['fullwidth letters', '\uff31\uff35\uff2a\uff24', undefined],
  ['emoji (surrogate pair)', 'QU\u{1F600}', undefined],
  ['character outside alphabet *', 'QU*D', undefined],
  ['character outside alphabet .', 'QU.D', undefined],
  ['non-canonical last char (1-byte tail)', 'QR==', undefined],
  ['non-canonical last char (1-byte tail, low bit)', 'QB==', undefined],
  ['non-canonical last char (2-byte tail)', 'QUJ=', undefined],
  ['non-canonical last char (2-byte tail, high pad bit)', 'QUK=', undefined],
];

for (const [condition, input, expected] of TABLE) {
  const outcome = expected === undefined ? 'rejected' : `decodes to ${expected.length} bytes`;
  test(`base64: ${condition} -> ${outcome}`, () => {
    const got = decodeBase64Strict(input);
    if (expected === undefined) {
      assert.equal(got, undefined);
    } else {
      assert.ok(got);
      assert.deepEqual(Array.from(got), expected);
      assert.equal(encodeBase64(got), input, 'accepted strings must round-trip exactly');
    }
  });
}

test('base64: every last-quantum variant -> accepted exactly when canonical', () => {
  // Canonical means re-encoding the bytes gives back the same string (RFC 4648 s.3.5).
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let accepted = 0;
  for (const c1 of alphabet) {
    for (const c2 of alphabet) {
      for (const s of [`QU${c1}${c2}`, `Q${c1}${c2}=`, `${c1}${c2}==`]) {
        const canonical = Buffer.from(s, 'base64').toString('base64') === s;
        const got = decodeBase64Strict(s);
        assert.equal(got !== undefined, canonical, s);
        if (got) accepted++;
      }
    }
  }
  // 4096 full quanta + 64*16 two-byte tails + 64*4 one-byte tails.
  assert.equal(accepted, 4096 + 1024 + 256);
});

test('base64: 8192 random bytes (10924 chars) -> round-trip', () => {
  const data = new Uint8Array(randomBytes(8192));
  const s = encodeBase64(data);
  assert.equal(s.length, 10924);
  assert.equal(s, Buffer.from(data).toString('base64'));
  assert.deepEqual(decodeBase64Strict(s), data);
});

test('base64: one hostile character anywhere in a 10 KB string -> rejected', () => {
  const valid = encodeBase64(new Uint8Array(randomBytes(8191)));
  assert.ok(decodeBase64Strict(valid));
  for (const bad of ['-', '_', ' ', '\n', '=', '*', '\u00e9']) {
    for (const at of [0, 5000, valid.length - 4]) {
      const replaced = valid.slice(0, at) + bad + valid.slice(at + 1);
      assert.equal(decodeBase64Strict(replaced), undefined, `${JSON.stringify(bad)} at ${at}`);
    }
  }
});

test('base64: 1..3 trailing bytes of every value -> round-trip', () => {
  for (let n = 1; n <= 3; n++) {
    for (let v = 0; v < 256; v++) {
      const data = new Uint8Array(n).fill(v);
      assert.deepEqual(decodeBase64Strict(encodeBase64(data)), data);
    }
  }
});

test('base64: decoded bytes -> a plain Uint8Array owning its buffer (not the Buffer pool)', () => {
  const got = decodeBase64Strict('QUJD');
  assert.ok(got);
  assert.equal(Object.getPrototypeOf(got), Uint8Array.prototype);
  assert.equal(got.byteOffset, 0);
  assert.equal(got.buffer.byteLength, 3);
});

test('base64: encode a subarray -> only its bytes, standard alphabet with padding', () => {
  const backing = new Uint8Array([0xff, 0xfb, 0xff, 0x41, 0xff]);
  assert.equal(encodeBase64(backing.subarray(1, 3)), '+/8=');
  assert.equal(encodeBase64(backing.subarray(3, 4)), 'QQ==');
  assert.equal(encodeBase64(new Uint8Array(0)), '');
});
