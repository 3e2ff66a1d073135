import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { buildAwsSampleGcmAad, isAwsSampleMetadata } from '../../../src/xks/compat-aad.js';
import { buildGcmAad } from '../../../src/xks/gcm-aad.js';

/** The aws-samples proxy's GCM AAD, written out from the formula in issue 24 / docs/keys.md with Buffer and node:crypto. */
function expected(aad: Buffer | undefined, md: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(aad?.length ?? 0);
  const digest = aad === undefined ? Buffer.alloc(0) : createHash('sha256').update(aad).digest();
  return Buffer.concat([len, digest, Buffer.from([md.length]), md]);
}

const AADS: readonly [string, Buffer | undefined][] = [
  ['AAD present', Buffer.from('project=nile,department=marketing')],
  ['AAD present but empty', Buffer.alloc(0)],
  ['AAD absent', undefined],
  ['AAD of 300 bytes (length above one byte)', Buffer.alloc(300, 0x61)],
];

test('compat-aad: be16(len(AAD)) || SHA-256(AAD) || u8(len(md)) || md, for AAD present / empty / absent and md of 0..20 bytes', () => {
  for (const [name, aad] of AADS) {
    for (let n = 0; n <= 20; n++) {
      const md = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff));
      const got = buildAwsSampleGcmAad(aad === undefined ? undefined : new Uint8Array(aad), n === 0 ? undefined : new Uint8Array(md));
      assert.deepEqual(Buffer.from(got), expected(aad, md), `${name}, md ${n} bytes`);
    }
  }
});

test('compat-aad: an empty AAD is hashed (32 more bytes than no AAD); no AAD equals the spec A8 framing', () => {
  const md = new Uint8Array([1, 2, 3]);
  assert.equal(buildAwsSampleGcmAad(new Uint8Array(0), md).length, 2 + 32 + 1 + 3);
  assert.equal(Buffer.from(buildAwsSampleGcmAad(new Uint8Array(0), md)).subarray(2, 34).toString('hex'), createHash('sha256').digest('hex'));
  assert.deepEqual(buildAwsSampleGcmAad(undefined, md), buildGcmAad(undefined, md));
  assert.deepEqual(buildAwsSampleGcmAad(undefined, undefined), new Uint8Array([0, 0, 0]));
});

test('compat-aad: a fixed vector (AAD "abc", md "v0.0.1")', () => {
  // sha256("abc") = ba7816bf... (FIPS 180-2 example); md "v0.0.1" is the sample's own commented example "djAuMC4x".
  const got = Buffer.from(buildAwsSampleGcmAad(new Uint8Array(Buffer.from('abc')), new Uint8Array(Buffer.from('djAuMC4x', 'base64'))));
  assert.equal(got.toString('hex'), `0003${'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'}06${Buffer.from('v0.0.1').toString('hex')}`);
});

test('compat-aad: isAwsSampleMetadata: no expectation matches all; absent equals empty; any other byte string does not match', () => {
  const b64 = (bytes: number[]) => Buffer.from(bytes).toString('base64');
  assert.equal(isAwsSampleMetadata(new Uint8Array([9]), undefined), true);
  assert.equal(isAwsSampleMetadata(undefined, ''), true);
  assert.equal(isAwsSampleMetadata(new Uint8Array(0), ''), true);
  assert.equal(isAwsSampleMetadata(new Uint8Array([1, 2]), b64([1, 2])), true);
  assert.equal(isAwsSampleMetadata(new Uint8Array([1, 3]), b64([1, 2])), false);
  assert.equal(isAwsSampleMetadata(undefined, b64([1])), false);
  assert.equal(isAwsSampleMetadata(new Uint8Array([1, 2, 3]), b64([1, 2])), false);
});
