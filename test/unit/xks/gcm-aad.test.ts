import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGcmAad } from '../../../src/xks/gcm-aad.js';
import { encodeBase64 } from '../../../src/crypto/base64.js';
import a8 from '../../vectors/gcm-aad-spec-a8.json' with { type: 'json' };

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const optionalHex = (s: string | null): Uint8Array | undefined => (s === null ? undefined : hex(s));

test('gcm-aad: vector file -> has a source and the spec cases', () => {
  assert.ok(a8.source.length > 0);
  assert.deepEqual(a8.cases.map((c) => c.id), ['spec-a5-values', 'both-absent', 'aad-only', 'metadata-only']);
});

for (const c of a8.cases) {
  test(`gcm-aad: spec A8 ${c.id} -> ${c.length} bytes, hex and base64 as published`, () => {
    const got = buildGcmAad(optionalHex(c.aad), optionalHex(c.metadata));
    assert.equal(got.length, c.length);
    assert.equal(toHex(got), c.gcmAad);
    assert.equal(encodeBase64(got), c.gcmAadBase64);
  });
}

test('gcm-aad: absent and empty parts -> same framing (spec A8: length 0, no bytes)', () => {
  const empty = new Uint8Array(0);
  const expected = '000000';
  assert.equal(toHex(buildGcmAad(undefined, undefined)), expected);
  assert.equal(toHex(buildGcmAad(empty, undefined)), expected);
  assert.equal(toHex(buildGcmAad(undefined, empty)), expected);
  assert.equal(toHex(buildGcmAad(empty, empty)), expected);
});

test('gcm-aad: bytes moved between aad and metadata -> different framing (why A8 frames both lengths)', () => {
  const a = buildGcmAad(hex('6162'), hex('63'));
  const b = buildGcmAad(hex('61'), hex('6263'));
  assert.notEqual(toHex(a), toHex(b));
});

test('gcm-aad: aad 65535 bytes and metadata 255 bytes -> framed at the uint16/uint8 limits', () => {
  const got = buildGcmAad(new Uint8Array(65535).fill(1), new Uint8Array(255).fill(2));
  assert.equal(got.length, 2 + 65535 + 1 + 255);
  assert.deepEqual(Array.from(got.subarray(0, 3)), [0xff, 0xff, 1]);
  assert.equal(got[2 + 65535], 0xff);
  assert.equal(got[got.length - 1], 2);
});

test('gcm-aad: aad 256 bytes -> big-endian length 01 00', () => {
  const got = buildGcmAad(new Uint8Array(256), undefined);
  assert.deepEqual(Array.from(got.subarray(0, 2)), [0x01, 0x00]);
  assert.equal(got[2 + 256], 0);
});

test('gcm-aad: aad 65536 bytes -> RangeError naming the limit', () => {
  assert.throws(() => buildGcmAad(new Uint8Array(65536), undefined), {
    name: 'RangeError',
    message: 'gcm-aad: aad: expected at most 65535 bytes, got 65536',
  });
});

test('gcm-aad: metadata 256 bytes -> RangeError naming the limit', () => {
  assert.throws(() => buildGcmAad(undefined, new Uint8Array(256)), {
    name: 'RangeError',
    message: 'gcm-aad: metadata: expected at most 255 bytes, got 256',
  });
});

test('gcm-aad: inputs -> not modified, output is a fresh buffer', () => {
  const aad = hex('6162');
  const meta = hex('63');
  const got = buildGcmAad(aad, meta);
  got.fill(0);
  assert.equal(toHex(aad), '6162');
  assert.equal(toHex(meta), '63');
});
