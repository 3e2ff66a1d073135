import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createAesGcmEngine, TagMismatchError } from '../../../src/crypto/aes-gcm.js';

// STYLE habit 7: the two engines are independent implementations (OpenSSL, pure JS); each must decrypt
// what the other encrypts and both must produce identical bytes for identical inputs.

const node = createAesGcmEngine('node');
const noble = createAesGcmEngine('noble');
const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const equal = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

const IV_SIZES = [12, 16] as const;
const PLAINTEXT_SIZES = [0, 1, 4300, 65536] as const;
const AAD_SIZES = [0, 8192] as const;

for (const ivSize of IV_SIZES) {
  for (const ptSize of PLAINTEXT_SIZES) {
    for (const aadSize of AAD_SIZES) {
      const shape = `iv ${ivSize} B, plaintext ${ptSize} B, aad ${aadSize} B`;

      test(`aes-gcm cross: ${shape} -> node and noble give identical ciphertext and tag`, () => {
        const key = bytes(32);
        const iv = bytes(ivSize);
        const pt = bytes(ptSize);
        const aad = bytes(aadSize);
        const a = node.encrypt(key, iv, pt, aad);
        const b = noble.encrypt(key, iv, pt, aad);
        assert.equal(a.ciphertext.length, ptSize);
        assert.equal(a.tag.length, 16);
        assert.ok(equal(a.ciphertext, b.ciphertext), 'ciphertext differs');
        assert.ok(equal(a.tag, b.tag), 'tag differs');
      });

      test(`aes-gcm cross: ${shape} -> node encrypts, noble decrypts`, () => {
        const key = bytes(32);
        const iv = bytes(ivSize);
        const pt = bytes(ptSize);
        const aad = bytes(aadSize);
        const { ciphertext, tag } = node.encrypt(key, iv, pt, aad);
        assert.ok(equal(noble.decrypt(key, iv, ciphertext, tag, aad), pt));
      });

      test(`aes-gcm cross: ${shape} -> noble encrypts, node decrypts`, () => {
        const key = bytes(32);
        const iv = bytes(ivSize);
        const pt = bytes(ptSize);
        const aad = bytes(aadSize);
        const { ciphertext, tag } = noble.encrypt(key, iv, pt, aad);
        assert.ok(equal(node.decrypt(key, iv, ciphertext, tag, aad), pt));
      });
    }
  }
}

test('aes-gcm cross: 12-byte IV and 16-byte IV zero-padded -> different J0, so neither engine decrypts across them', () => {
  // Guards against an engine that truncates or pads the IV instead of deriving J0 by GHASH (NIST SP 800-38D 7.1).
  const key = bytes(32);
  const iv12 = bytes(12);
  const iv16 = new Uint8Array(16);
  iv16.set(iv12);
  const pt = bytes(64);
  const aad = new Uint8Array(0);
  for (const [enc, dec] of [[node, noble], [noble, node]] as const) {
    const { ciphertext, tag } = enc.encrypt(key, iv12, pt, aad);
    assert.throws(() => dec.decrypt(key, iv16, ciphertext, tag, aad), TagMismatchError);
  }
});
