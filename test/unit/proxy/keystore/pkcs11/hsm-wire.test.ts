/**
 * How calls and results cross to the HSM threads (src/proxy/keystore/pkcs11/hsm-wire.ts): every byte array in one
 * buffer of its own (a pooled view never takes its slab along), decoded back to equal parts; a result whose parts
 * lie in one small buffer is sent whole, anything else is copied.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HsmCall } from '../../../../../src/proxy/keystore/pkcs11/hsm-call.js';
import { decodeCall, decodeResult, encodeCall, encodeResult } from '../../../../../src/proxy/keystore/pkcs11/hsm-wire.js';

const slab = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ'); // one ArrayBuffer, many views: as Node's pool hands them out
const text = (u: Uint8Array | undefined) => (u === undefined ? undefined : Buffer.from(u).toString());

const calls: HsmCall[] = [
  { kind: 'encrypt', session: slab.subarray(0, 8), key: slab.subarray(8, 10), ivGeneration: 'hsm-zero-iv', plaintext: slab.subarray(10, 15), aad: slab.subarray(20, 30) },
  { kind: 'encryptChecked', session: slab.subarray(0, 8), key: slab.subarray(8, 10), ivGeneration: 'proxy', plaintext: slab.subarray(10, 15), aad: slab.subarray(20, 30), metadata: slab.subarray(30, 33), cdivAad: slab.subarray(33, 36) },
  { kind: 'encryptChecked', session: slab.subarray(0, 8), key: slab.subarray(8, 10), ivGeneration: 'hsm-iv-after-tag', plaintext: new Uint8Array(0), aad: new Uint8Array(0), metadata: slab.subarray(30, 33) },
  { kind: 'decrypt', session: slab.subarray(0, 8), key: slab.subarray(8, 10), iv: slab.subarray(10, 22), ciphertext: slab.subarray(22, 30), tag: slab.subarray(30, 46), aad: slab.subarray(0, 0) },
  { kind: 'random', session: slab.subarray(0, 8), bytes: 16 },
];

for (const call of calls) {
  test(`encodeCall/decodeCall ${call.kind}${'ivGeneration' in call ? ` (${call.ivGeneration})` : ''}: one buffer of its own, transferred; the same parts come back`, () => {
    const { message, transfer } = encodeCall(7, call);
    assert.equal(message.id, 7);
    assert.deepEqual(transfer, [message.data.buffer]);
    assert.notEqual(message.data.buffer, slab.buffer, 'never the caller\'s slab');
    const back = decodeCall(structuredClone(message, { transfer: [...transfer] }));
    assert.equal(back.kind, call.kind);
    for (const [field, value] of Object.entries(call)) {
      const got = (back as unknown as Record<string, unknown>)[field];
      if (value instanceof Uint8Array) assert.equal(text(got as Uint8Array), text(value), field);
      else assert.equal(got, value, field);
    }
    assert.equal('cdivAad' in back, 'cdivAad' in call, 'an absent cdivAad stays absent');
  });
}

test('encodeResult: parts in one small buffer of their own are sent whole; parts in a slab are copied; decodeResult gives them back', () => {
  const own = Buffer.alloc(38); // a buffer of its own (Buffer.from of a string would be a view into Node's pool)
  own.write('IVIVIVIVIVIVciphertextTAGTAGTAGTAGTAGT');
  const sealed = { kind: 'encryptChecked' as const, iv: own.subarray(0, 12), ciphertext: own.subarray(12, 22), tag: own.subarray(22, 38), cdiv: 'cdiv', roundTrips: true };
  const whole = encodeResult(3, sealed);
  assert.equal(whole.message.data.buffer, own.buffer, 'sent whole: no copy');
  const decoded = decodeResult(structuredClone(whole.message, { transfer: whole.transfer }));
  assert.ok('result' in decoded && decoded.result.kind === 'encryptChecked');
  if (!('result' in decoded) || decoded.result.kind !== 'encryptChecked') return;
  assert.equal(text(decoded.result.ciphertext), 'ciphertext');
  assert.equal(text(decoded.result.tag), 'TAGTAGTAGTAGTAGT');
  assert.equal(decoded.result.cdiv, 'cdiv');
  assert.equal(decoded.result.roundTrips, true);

  const big = Buffer.alloc(8192, 1); // a pooled-slab-sized buffer: its other bytes must not travel
  const copied = encodeResult(4, { kind: 'decrypt', plaintext: big.subarray(100, 110) });
  assert.notEqual(copied.message.data.buffer, big.buffer);
  assert.equal(copied.message.data.byteLength, 10);
  const failure = decodeResult({ id: 5, failure: { message: 'CKR_DEVICE_ERROR', code: 0x30 } });
  assert.deepEqual(failure, { failure: { message: 'CKR_DEVICE_ERROR', code: 0x30 } });
});
