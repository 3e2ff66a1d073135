import assert from 'node:assert/strict';
import { createDecipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createAesGcmEngine, TagMismatchError, type AesGcmEngine } from '../../../src/crypto/aes-gcm.js';
import { createTestApp, kmsMetadata, signedRequest, testMaterial } from '../../support/test-app.js';
import { assertOk, assertXksError, encryptBody, encryptPath, fromB64, type EncryptOutput } from '../../support/http-assertions.js';

interface PinnedCase {
  id: string;
  plaintext: string;
  additionalAuthenticatedData?: string;
  ciphertextDataIntegrityValueAlgorithm?: string;
  gcmAadHex: string;
  response: Record<string, string>;
}
const examples = JSON.parse(readFileSync(new URL('../../vectors/xks-spec-examples.json', import.meta.url), 'utf8')) as {
  specEncryptRequest: { body: Record<string, unknown> };
  pinnedEncrypt: { keyHex: string; ivHex: string; cases: PinnedCase[] };
};

/** spec A8, framed by hand here (not with src/xks/gcm-aad.ts): uint16be(len aad) || aad || uint8(len meta) || meta. */
function frameGcmAad(aad: Buffer, meta: Buffer): Buffer {
  const aadLength = Buffer.alloc(2);
  aadLength.writeUInt16BE(aad.length);
  return Buffer.concat([aadLength, aad, Buffer.from([meta.length]), meta]);
}

/** Decrypt an Encrypt response with node:crypto directly. Throws if the tag does not verify. */
function independentDecrypt(key: Uint8Array, out: EncryptOutput, gcmAad: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, fromB64(out.initializationVector));
  decipher.setAAD(gcmAad);
  decipher.setAuthTag(fromB64(out.authenticationTag));
  return Buffer.concat([decipher.update(fromB64(out.ciphertext)), decipher.final()]);
}

/** spec A9, computed here with node:crypto: b64(SHA-256(AAD || meta || IV || ciphertext || tag)). */
function expectedCdiv(aad: Buffer, out: EncryptOutput): string {
  return createHash('sha256')
    .update(aad)
    .update(fromB64(out.ciphertextMetadata ?? ''))
    .update(fromB64(out.initializationVector))
    .update(fromB64(out.ciphertext))
    .update(fromB64(out.authenticationTag))
    .digest('base64');
}

async function encryptOk(t: ReturnType<typeof createTestApp>, body: Record<string, unknown>, keyId = 'key-1'): Promise<EncryptOutput> {
  return assertOk(await signedRequest(t.app, encryptPath(keyId), body)) as unknown as EncryptOutput;
}

const PLAINTEXT = Buffer.from('encrypt-suite plaintext: 0123456789');

test('encrypt: plaintext -> 200 with ciphertext of the plaintext length, 12-byte IV, 16-byte tag, metadata <= 20 bytes', async () => {
  const t = createTestApp();
  const out = await encryptOk(t, encryptBody(PLAINTEXT));
  assert.deepEqual(Object.keys(out).sort(), ['authenticationTag', 'ciphertext', 'ciphertextMetadata', 'initializationVector']);
  assert.equal(fromB64(out.ciphertext).length, PLAINTEXT.length); // spec C28
  assert.equal(fromB64(out.initializationVector).length, 12);
  assert.equal(fromB64(out.authenticationTag).length, 16);
  assert.ok(fromB64(out.ciphertextMetadata).length <= 20); // spec C29
  assert.notDeepEqual(fromB64(out.ciphertext), PLAINTEXT);
});

test('encrypt: one byte of plaintext -> 200 with one byte of ciphertext', async () => {
  const t = createTestApp();
  const out = await encryptOk(t, encryptBody(Buffer.from([0x42])));
  assert.equal(fromB64(out.ciphertext).length, 1);
});

test('encrypt: two calls with the same input -> 200 with fresh IVs and different ciphertexts', async () => {
  const t = createTestApp();
  const a = await encryptOk(t, encryptBody(PLAINTEXT));
  const b = await encryptOk(t, encryptBody(PLAINTEXT));
  assert.notEqual(a.initializationVector, b.initializationVector);
  assert.notEqual(a.ciphertext, b.ciphertext);
});

test('encrypt: no CDIV algorithm -> 200 without ciphertextDataIntegrityValue', async () => {
  const t = createTestApp();
  const out = await encryptOk(t, encryptBody(PLAINTEXT, { additionalAuthenticatedData: 'YWFk' }));
  assert.equal(Object.hasOwn(out, 'ciphertextDataIntegrityValue'), false);
});

test('encrypt: CDIV requested with AAD -> 200 with CDIV = b64(SHA-256(aad||meta||iv||ct||tag))', async () => {
  const t = createTestApp();
  const aad = Buffer.from('project=nile,department=marketing');
  const out = await encryptOk(t, encryptBody(PLAINTEXT, { additionalAuthenticatedData: aad.toString('base64'), ciphertextDataIntegrityValueAlgorithm: 'SHA_256' }));
  assert.equal(out.ciphertextDataIntegrityValue, expectedCdiv(aad, out));
});

test('encrypt: CDIV requested without AAD -> 200 with CDIV = b64(SHA-256(meta||iv||ct||tag))', async () => {
  const t = createTestApp();
  const out = await encryptOk(t, encryptBody(PLAINTEXT, { ciphertextDataIntegrityValueAlgorithm: 'SHA_256' }));
  assert.equal(out.ciphertextDataIntegrityValue, expectedCdiv(Buffer.alloc(0), out));
});

test('encrypt: GCM AAD is uint16(len aad)||aad||uint8(len meta)||meta (independent node:crypto decrypt) -> 200', async () => {
  const t = createTestApp();
  const key = testMaterial('key-1/v1');
  const aad = Buffer.from('purpose=gcm-aad-framing-proof');
  const out = await encryptOk(t, encryptBody(PLAINTEXT, { additionalAuthenticatedData: aad.toString('base64') }));
  const meta = fromB64(out.ciphertextMetadata);
  assert.deepEqual(independentDecrypt(key, out, frameGcmAad(aad, meta)), PLAINTEXT);
  // The framing is what binds: the raw AAD alone, or the lengths dropped, do not verify.
  assert.throws(() => independentDecrypt(key, out, aad));
  assert.throws(() => independentDecrypt(key, out, Buffer.concat([aad, meta])));
  assert.throws(() => independentDecrypt(key, out, frameGcmAad(aad, Buffer.alloc(0))));
});

test('encrypt: without request AAD the GCM AAD is 00 00 || uint8(len meta) || meta -> 200', async () => {
  const t = createTestApp();
  const key = testMaterial('key-1/v1');
  const out = await encryptOk(t, encryptBody(PLAINTEXT));
  const meta = fromB64(out.ciphertextMetadata);
  const gcmAad = frameGcmAad(Buffer.alloc(0), meta);
  assert.deepEqual(gcmAad.subarray(0, 3), Buffer.from([0, 0, meta.length]));
  assert.deepEqual(independentDecrypt(key, out, gcmAad), PLAINTEXT);
});

test('encrypt: 4300-byte plaintext with 8192-byte AAD and CDIV -> 200 (spec C20, C24)', async () => {
  const t = createTestApp();
  const plaintext = Buffer.alloc(4300, 0x61);
  const aad = Buffer.alloc(8192, 0x62);
  const out = await encryptOk(t, encryptBody(plaintext, { additionalAuthenticatedData: aad.toString('base64'), ciphertextDataIntegrityValueAlgorithm: 'SHA_256' }));
  assert.equal(fromB64(out.ciphertext).length, 4300);
  assert.equal(out.ciphertextDataIntegrityValue, expectedCdiv(aad, out));
  assert.deepEqual(independentDecrypt(testMaterial('key-1/v1'), out, frameGcmAad(aad, fromB64(out.ciphertextMetadata))), plaintext);
});

test('encrypt: the spec A5 example request -> 200 with every response field', async () => {
  const t = createTestApp();
  const out = await encryptOk(t, examples.specEncryptRequest.body);
  assert.deepEqual(Object.keys(out).sort(), ['authenticationTag', 'ciphertext', 'ciphertextDataIntegrityValue', 'ciphertextMetadata', 'initializationVector']);
  assert.equal(fromB64(out.ciphertext).length, 12);
  assert.equal(out.ciphertextDataIntegrityValue, expectedCdiv(Buffer.from('project=nile,department=marketing'), out));
});

for (const c of examples.pinnedEncrypt.cases) {
  test(`encrypt: pinned randomness, ${c.id} -> 200 with the known answer`, async () => {
    const iv = Buffer.from(examples.pinnedEncrypt.ivHex, 'hex');
    assert.equal(Buffer.from(testMaterial('key-1/v1')).toString('hex'), examples.pinnedEncrypt.keyHex, 'the vector is for this key');
    const t = createTestApp({ random: (n) => new Uint8Array(iv.subarray(0, n)) });
    const { id: _id, gcmAadHex, response, ...request } = c;
    const out = await encryptOk(t, { requestMetadata: kmsMetadata('Encrypt'), encryptionAlgorithm: 'AES_GCM', ...request });
    assert.deepEqual(out, response);
    const aad = Buffer.from(c.additionalAuthenticatedData ?? '', 'base64');
    assert.equal(frameGcmAad(aad, fromB64(out.ciphertextMetadata)).toString('hex'), gcmAadHex);
  });
}

test('encrypt: key without ENCRYPT -> 400 InvalidKeyUsageException', async () => {
  const t = createTestApp();
  assertXksError(await signedRequest(t.app, encryptPath('key-decrypt-only'), encryptBody(PLAINTEXT)), 400, 'InvalidKeyUsageException');
  assertXksError(await signedRequest(t.app, encryptPath('key-no-usage'), encryptBody(PLAINTEXT)), 400, 'InvalidKeyUsageException');
});

test('encrypt: DISABLED key -> 400 InvalidStateException', async () => {
  const t = createTestApp();
  assertXksError(await signedRequest(t.app, encryptPath('key-disabled'), encryptBody(PLAINTEXT)), 400, 'InvalidStateException');
});

test('encrypt: unknown key -> 404 KeyNotFoundException', async () => {
  const t = createTestApp();
  assertXksError(await signedRequest(t.app, encryptPath('no-such-key'), encryptBody(PLAINTEXT)), 404, 'KeyNotFoundException');
});

/** A real engine whose calls are counted, with an optional hook run after each decrypt. */
function spyEngine(afterDecrypt?: (ciphertext: Uint8Array) => void) {
  const inner = createAesGcmEngine('node');
  const calls = { encrypt: 0, decrypt: 0 };
  const engine: AesGcmEngine = {
    name: inner.name,
    encrypt(key, iv, plaintext, aad) {
      calls.encrypt++;
      return inner.encrypt(key, iv, plaintext, aad);
    },
    decrypt(key, iv, ciphertext, tag, aad) {
      calls.decrypt++;
      const plaintext = inner.decrypt(key, iv, ciphertext, tag, aad);
      afterDecrypt?.(ciphertext);
      return plaintext;
    },
  };
  return { engine, calls };
}

test('encrypt: CDIV is computed before the check-decrypt (corruption during it stays detectable) -> 200', async () => {
  // The check-decrypt corrupts the very ciphertext buffer it was given, after decrypting it.
  const { engine, calls } = spyEngine((ciphertext) => {
    ciphertext[0] = (ciphertext[0] ?? 0) ^ 0xff;
  });
  const t = createTestApp({ engine });
  const aad = Buffer.from('aad');
  const out = await encryptOk(t, encryptBody(PLAINTEXT, { additionalAuthenticatedData: aad.toString('base64'), ciphertextDataIntegrityValueAlgorithm: 'SHA_256' }));
  assert.equal(calls.decrypt, 1, 'one check-decrypt');
  assert.notEqual(out.ciphertextDataIntegrityValue, expectedCdiv(aad, out), 'the CDIV does not match the corrupted output');
  const repaired = Buffer.from(fromB64(out.ciphertext));
  repaired[0] = (repaired[0] ?? 0) ^ 0xff;
  assert.equal(out.ciphertextDataIntegrityValue, expectedCdiv(aad, { ...out, ciphertext: repaired.toString('base64') }), 'it matches the output before corruption');
});

test('encrypt: CDIV requested on an ENCRYPT-only key -> 400 InvalidKeyUsageException, no crypto at all', async () => {
  // spec A9 step 3 is an XKS Decrypt on the same key, which an ENCRYPT-only key cannot do.
  const { engine, calls } = spyEngine();
  const t = createTestApp({ engine });
  const res = await signedRequest(t.app, encryptPath('key-encrypt-only'), encryptBody(PLAINTEXT, { ciphertextDataIntegrityValueAlgorithm: 'SHA_256' }));
  assertXksError(res, 400, 'InvalidKeyUsageException');
  assert.match((res.body as { errorMessage: string }).errorMessage, /DECRYPT.*ciphertextDataIntegrityValueAlgorithm/);
  assert.deepEqual(calls, { encrypt: 0, decrypt: 0 });
});

test('encrypt: no CDIV requested on an ENCRYPT-only key -> 200, no check-decrypt', async () => {
  const { engine, calls } = spyEngine();
  const t = createTestApp({ engine });
  const out = await encryptOk(t, encryptBody(PLAINTEXT), 'key-encrypt-only');
  assert.equal(out.ciphertextDataIntegrityValue, undefined);
  assert.deepEqual(calls, { encrypt: 1, decrypt: 0 });
  assert.deepEqual(independentDecrypt(testMaterial('key-encrypt-only/v1'), out, frameGcmAad(Buffer.alloc(0), fromB64(out.ciphertextMetadata ?? ''))), Buffer.from(PLAINTEXT));
});

for (const keyId of ['key-decrypt-only', 'key-no-usage']) {
  test(`encrypt: CDIV requested on ${keyId} -> 400 InvalidKeyUsageException naming ENCRYPT (unchanged by the CDIV rule)`, async () => {
    const t = createTestApp();
    const res = await signedRequest(t.app, encryptPath(keyId), encryptBody(PLAINTEXT, { ciphertextDataIntegrityValueAlgorithm: 'SHA_256' }));
    assertXksError(res, 400, 'InvalidKeyUsageException');
    assert.match((res.body as { errorMessage: string }).errorMessage, /does not allow ENCRYPT/);
  });
}

test('encrypt: CDIV requested on an ENCRYPT+DECRYPT key -> 200 and exactly one check-decrypt', async () => {
  const { engine, calls } = spyEngine();
  const t = createTestApp({ engine });
  await encryptOk(t, encryptBody(PLAINTEXT, { ciphertextDataIntegrityValueAlgorithm: 'SHA_256' }));
  assert.deepEqual(calls, { encrypt: 1, decrypt: 1 });
});

test('encrypt: check-decrypt keeps failing -> 500 InternalException after a retry', async () => {
  const inner = createAesGcmEngine('node');
  let encrypts = 0;
  const engine: AesGcmEngine = {
    name: inner.name,
    encrypt: (...args) => {
      encrypts++;
      return inner.encrypt(...args);
    },
    decrypt: () => {
      throw new TagMismatchError();
    },
  };
  const t = createTestApp({ engine });
  assertXksError(
    await signedRequest(t.app, encryptPath('key-1'), encryptBody(PLAINTEXT, { ciphertextDataIntegrityValueAlgorithm: 'SHA_256' })),
    500,
    'InternalException',
  );
  assert.equal(encrypts, 2);
});
