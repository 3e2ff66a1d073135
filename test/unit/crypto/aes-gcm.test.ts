import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import { createAesGcmEngine, TagMismatchError, type AesGcmEngine, type AesGcmEngineName } from '../../../src/crypto/aes-gcm.js';
import mcgrewViega from '../../vectors/aes-gcm-mcgrew-viega.json' with { type: 'json' };
import iv16Computed from '../../vectors/aes-gcm-iv16-computed.json' with { type: 'json' };

interface GcmVector {
  id: string;
  key: string;
  iv: string;
  plaintext: string;
  aad: string;
  ciphertext: string;
  tag: string;
}

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const flipBit = (b: Uint8Array, index: number): Uint8Array => {
  const copy = b.slice();
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
};

const ENGINES: readonly AesGcmEngineName[] = ['node', 'noble'];
const ALL_VECTORS: readonly GcmVector[] = [...mcgrewViega.vectors, ...iv16Computed.vectors];
/** spec A5: the engines take 12- and 16-byte IVs only; TC17/TC18 run on the primitives below. */
const ENGINE_VECTORS = ALL_VECTORS.filter((v) => v.iv.length === 24 || v.iv.length === 32);
const NON_SPEC_IV_VECTORS = ALL_VECTORS.filter((v) => !ENGINE_VECTORS.includes(v));

test('vectors: every file has a source and the expected cases', () => {
  assert.ok(mcgrewViega.source.length > 0);
  assert.ok(iv16Computed.source.length > 0);
  assert.deepEqual(
    ENGINE_VECTORS.map((v) => v.id),
    ['TC13', 'TC14', 'TC15', 'TC16', 'IV16-TC16', 'IV16-empty'],
  );
  assert.deepEqual(NON_SPEC_IV_VECTORS.map((v) => v.id), ['TC17', 'TC18']);
});

for (const v of ALL_VECTORS) {
  test(`aes-gcm primitives: ${v.id} (${v.iv.length / 2}-byte IV) -> node:crypto and noble both reproduce it`, () => {
    const cipher = createCipheriv('aes-256-gcm', hex(v.key), hex(v.iv), { authTagLength: 16 });
    cipher.setAAD(hex(v.aad));
    const ct = Buffer.concat([cipher.update(hex(v.plaintext)), cipher.final()]);
    assert.equal(ct.toString('hex'), v.ciphertext);
    assert.equal(cipher.getAuthTag().toString('hex'), v.tag);
    const sealed = gcm(hex(v.key), hex(v.iv), hex(v.aad)).encrypt(hex(v.plaintext));
    assert.equal(toHex(sealed), v.ciphertext + v.tag);
  });
}

for (const name of ENGINES) {
  describe(`aes-gcm ${name}`, () => {
    const engine: AesGcmEngine = createAesGcmEngine(name);

    test(`aes-gcm ${name}: createAesGcmEngine -> engine named '${name}'`, () => {
      assert.equal(engine.name, name);
      assert.ok(Object.isFrozen(engine));
    });

    for (const v of ENGINE_VECTORS) {
      test(`aes-gcm ${name}: ${v.id} encrypt -> known ciphertext and tag`, () => {
        const { ciphertext, tag } = engine.encrypt(hex(v.key), hex(v.iv), hex(v.plaintext), hex(v.aad));
        assert.equal(toHex(ciphertext), v.ciphertext);
        assert.equal(toHex(tag), v.tag);
        assert.equal(tag.length, 16);
        // Both engines hand back plain Uint8Arrays, not Buffers, so callers see one type.
        assert.equal(Object.getPrototypeOf(ciphertext), Uint8Array.prototype);
        assert.equal(Object.getPrototypeOf(tag), Uint8Array.prototype);
      });

      test(`aes-gcm ${name}: ${v.id} decrypt -> known plaintext`, () => {
        const plaintext = engine.decrypt(hex(v.key), hex(v.iv), hex(v.ciphertext), hex(v.tag), hex(v.aad));
        assert.equal(toHex(plaintext), v.plaintext);
        assert.equal(Object.getPrototypeOf(plaintext), Uint8Array.prototype);
      });
    }

    for (const v of ENGINE_VECTORS.filter((x) => x.id === 'TC16' || x.id === 'IV16-TC16')) {
      const key = hex(v.key);
      const iv = hex(v.iv);
      const ct = hex(v.ciphertext);
      const tag = hex(v.tag);
      const aad = hex(v.aad);
      const tampered: ReadonlyArray<readonly [string, () => Uint8Array]> = [
        ['tag bit flipped', () => engine.decrypt(key, iv, ct, flipBit(tag, 15), aad)],
        ['ciphertext bit flipped', () => engine.decrypt(key, iv, flipBit(ct, 0), tag, aad)],
        ['ciphertext truncated', () => engine.decrypt(key, iv, ct.subarray(0, ct.length - 1), tag, aad)],
        ['aad bit flipped', () => engine.decrypt(key, iv, ct, tag, flipBit(aad, 19))],
        ['aad missing', () => engine.decrypt(key, iv, ct, tag, new Uint8Array(0))],
        ['iv bit flipped', () => engine.decrypt(key, flipBit(iv, 11), ct, tag, aad)],
        ['key bit flipped', () => engine.decrypt(flipBit(key, 31), iv, ct, tag, aad)],
      ];
      for (const [condition, run] of tampered) {
        test(`aes-gcm ${name}: ${v.id} ${condition} -> TagMismatchError`, () => {
          assert.throws(run, (err: unknown) => {
            assert.ok(err instanceof TagMismatchError);
            assert.equal(err.name, 'TagMismatchError');
            assert.equal(err.message, 'aes-gcm: authentication tag mismatch');
            return true;
          });
        });
      }
    }

    test(`aes-gcm ${name}: inputs -> left unchanged by encrypt and decrypt`, () => {
      const key = hex(ENGINE_VECTORS[3]?.key ?? '');
      const iv = new Uint8Array(12).fill(7);
      const pt = new Uint8Array(100).fill(0xaa);
      const aad = new Uint8Array(30).fill(0x55);
      const { ciphertext, tag } = engine.encrypt(key, iv, pt, aad);
      const snapshot = [key, iv, pt, aad, ciphertext, tag].map(toHex);
      engine.decrypt(key, iv, ciphertext, tag, aad);
      assert.deepEqual([key, iv, pt, aad, ciphertext, tag].map(toHex), snapshot);
    });

    test(`aes-gcm ${name}: Buffer and offset subarray inputs -> accepted, same result`, () => {
      const v = ENGINE_VECTORS[3];
      assert.ok(v);
      const backing = new Uint8Array(1 + v.plaintext.length / 2);
      backing.set(hex(v.plaintext), 1);
      const { ciphertext, tag } = engine.encrypt(Buffer.from(v.key, 'hex'), Buffer.from(v.iv, 'hex'), backing.subarray(1), Buffer.from(v.aad, 'hex'));
      assert.equal(toHex(ciphertext), v.ciphertext);
      assert.equal(toHex(tag), v.tag);
    });

    const key32 = new Uint8Array(32);
    const iv12 = new Uint8Array(12);
    const tag16 = new Uint8Array(16);
    const empty = new Uint8Array(0);
    const badArgs: ReadonlyArray<readonly [string, () => unknown, ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor, RegExp]> = [
      ['key 16 bytes', () => engine.encrypt(new Uint8Array(16), iv12, empty, empty), RangeError, /key: expected 32 bytes, got 16/],
      ['key 33 bytes on decrypt', () => engine.decrypt(new Uint8Array(33), iv12, empty, tag16, empty), RangeError, /key: expected 32 bytes, got 33/],
      ['key a string', () => engine.encrypt('k'.repeat(32) as unknown as Uint8Array, iv12, empty, empty), TypeError, /key: expected Uint8Array, got string/],
      ['key an array', () => engine.encrypt(Array.from(key32) as unknown as Uint8Array, iv12, empty, empty), TypeError, /key: expected Uint8Array, got Array/],
      ['iv 8 bytes', () => engine.encrypt(key32, new Uint8Array(8), empty, empty), RangeError, /iv: expected 12 or 16 bytes, got 8/],
      ['iv 60 bytes on decrypt', () => engine.decrypt(key32, new Uint8Array(60), empty, tag16, empty), RangeError, /iv: expected 12 or 16 bytes, got 60/],
      ['iv null', () => engine.encrypt(key32, null as unknown as Uint8Array, empty, empty), TypeError, /iv: expected Uint8Array, got null/],
      ['tag 12 bytes', () => engine.decrypt(key32, iv12, empty, new Uint8Array(12), empty), RangeError, /tag: expected 16 bytes, got 12/],
      ['tag 17 bytes', () => engine.decrypt(key32, iv12, empty, new Uint8Array(17), empty), RangeError, /tag: expected 16 bytes, got 17/],
      ['plaintext a string', () => engine.encrypt(key32, iv12, 'secret' as unknown as Uint8Array, empty), TypeError, /plaintext: expected Uint8Array, got string/],
      ['ciphertext undefined', () => engine.decrypt(key32, iv12, undefined as unknown as Uint8Array, tag16, empty), TypeError, /ciphertext: expected Uint8Array, got undefined/],
      ['aad undefined', () => engine.encrypt(key32, iv12, empty, undefined as unknown as Uint8Array), TypeError, /aad: expected Uint8Array, got undefined/],
      ['aad a Uint16Array', () => engine.encrypt(key32, iv12, empty, new Uint16Array(4) as unknown as Uint8Array), TypeError, /aad: expected Uint8Array, got Uint16Array/],
    ];
    for (const [condition, run, errorClass, message] of badArgs) {
      test(`aes-gcm ${name}: ${condition} -> ${errorClass.name} naming expected and got`, () => {
        assert.throws(run, (err: unknown) => {
          assert.ok(err instanceof errorClass);
          assert.match((err as Error).message, message);
          return true;
        });
      });
    }

    test(`aes-gcm ${name}: wrong-length secret key -> message carries no key bytes`, () => {
      const secret = new Uint8Array(31).fill(0xc3);
      assert.throws(
        () => engine.encrypt(secret, iv12, empty, empty),
        (err: unknown) => err instanceof RangeError && !/c3|195/i.test(err.message),
      );
      const secretString = 'c3'.repeat(32);
      assert.throws(
        () => engine.encrypt(secretString as unknown as Uint8Array, iv12, empty, empty),
        (err: unknown) => err instanceof TypeError && !err.message.includes(secretString),
      );
    });
  });
}

test('aes-gcm: unknown engine name -> TypeError listing the known names', () => {
  assert.throws(() => createAesGcmEngine('openssl' as AesGcmEngineName), {
    name: 'TypeError',
    message: 'aes-gcm: engine: expected one of node, noble, got openssl',
  });
});

test('aes-gcm: TagMismatchError -> an Error with a fixed message and no detail', () => {
  const err = new TagMismatchError();
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'TagMismatchError');
  assert.equal(err.message, 'aes-gcm: authentication tag mismatch');
  assert.equal(err.cause, undefined);
});
