import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createTestApp, DEFAULT_TEST_KEYS, signedRequest, testKey, testMaterial } from '../../support/test-app.js';
import {
  assertOk,
  assertXksError,
  decryptBody,
  decryptPath,
  encryptBody,
  encryptPath,
  flipB64,
  fromB64,
  type EncryptOutput,
} from '../../support/http-assertions.js';

/** spec A8, framed by hand: uint16be(len aad) || aad || uint8(len meta) || meta. */
function frameGcmAad(aad: Buffer, meta: Buffer): Buffer {
  const aadLength = Buffer.alloc(2);
  aadLength.writeUInt16BE(aad.length);
  return Buffer.concat([aadLength, aad, Buffer.from([meta.length]), meta]);
}

/** Ciphertext made with node:crypto directly, as another XKS proxy (or an earlier key version) would have. */
function independentEncrypt(key: Uint8Array, plaintext: Buffer, opts: { iv: Buffer; aad?: Buffer; meta?: Buffer }): EncryptOutput {
  const cipher = createCipheriv('aes-256-gcm', key, opts.iv);
  cipher.setAAD(frameGcmAad(opts.aad ?? Buffer.alloc(0), opts.meta ?? Buffer.alloc(0)));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    ciphertext: ciphertext.toString('base64'),
    initializationVector: opts.iv.toString('base64'),
    authenticationTag: cipher.getAuthTag().toString('base64'),
    ...(opts.meta !== undefined && { ciphertextMetadata: opts.meta.toString('base64') }),
  };
}

/** Our metadata layout (src/xks/ciphertext-metadata.ts): 0x01 then the key version as uint32 BE. */
function ourMetadata(version: number): Buffer {
  const out = Buffer.alloc(5);
  out[0] = 0x01;
  out.writeUInt32BE(version, 1);
  return out;
}

const PLAINTEXT = Buffer.from('decrypt-suite plaintext');
const AAD = Buffer.from('context=decrypt-suite');

/** Encrypt through the proxy; `aad: null` sends no additionalAuthenticatedData. */
async function encrypted(t: ReturnType<typeof createTestApp>, plaintext = PLAINTEXT, aad: Buffer | null = AAD, keyId = 'key-1'): Promise<EncryptOutput> {
  const extra = aad === null ? {} : { additionalAuthenticatedData: aad.toString('base64') };
  return assertOk(await signedRequest(t.app, encryptPath(keyId), encryptBody(plaintext, extra))) as unknown as EncryptOutput;
}

const aadField = (aad: Buffer) => ({ additionalAuthenticatedData: aad.toString('base64') });

test('decrypt: output of encrypt with AAD -> 200 with the plaintext', async () => {
  const t = createTestApp();
  const out = await encrypted(t);
  const body = assertOk(await signedRequest(t.app, decryptPath('key-1'), decryptBody(out, aadField(AAD))));
  assert.deepEqual(Object.keys(body), ['plaintext']);
  assert.deepEqual(fromB64(body.plaintext), PLAINTEXT);
});

test('decrypt: output of encrypt without AAD -> 200 with the plaintext', async () => {
  const t = createTestApp();
  const out = await encrypted(t, PLAINTEXT, null);
  const body = assertOk(await signedRequest(t.app, decryptPath('key-1'), decryptBody(out)));
  assert.deepEqual(fromB64(body.plaintext), PLAINTEXT);
});

test('decrypt: 16-byte IV ciphertext from node:crypto, hand-framed AAD, no metadata -> 200', async () => {
  const t = createTestApp();
  const out = independentEncrypt(testMaterial('key-1/v1'), PLAINTEXT, { iv: randomBytes(16), aad: AAD });
  assert.equal(Object.hasOwn(out, 'ciphertextMetadata'), false);
  const body = assertOk(await signedRequest(t.app, decryptPath('key-1'), decryptBody(out, aadField(AAD))));
  assert.deepEqual(fromB64(body.plaintext), PLAINTEXT);
});

test('decrypt: foreign ciphertextMetadata (another proxy), 12-byte IV from node:crypto -> 200', async () => {
  const t = createTestApp();
  const meta = Buffer.from('key_version=1');
  const out = independentEncrypt(testMaterial('key-1/v1'), PLAINTEXT, { iv: randomBytes(12), aad: AAD, meta });
  const body = assertOk(await signedRequest(t.app, decryptPath('key-1'), decryptBody(out, aadField(AAD))));
  assert.deepEqual(fromB64(body.plaintext), PLAINTEXT);
});

test('decrypt: 4300-byte ciphertext with 8192-byte AAD -> 200 (spec C35)', async () => {
  const t = createTestApp();
  const plaintext = randomBytes(4300);
  const aad = Buffer.alloc(8192, 0x5a);
  const out = await encrypted(t, plaintext, aad);
  const body = assertOk(await signedRequest(t.app, decryptPath('key-1'), decryptBody(out, aadField(aad))));
  assert.deepEqual(fromB64(body.plaintext), plaintext);
});

const tampering: readonly [string, (out: EncryptOutput) => Record<string, unknown>][] = [
  ['tag flipped', (out) => decryptBody({ ...out, authenticationTag: flipB64(out.authenticationTag, 15) }, aadField(AAD))],
  ['ciphertext flipped', (out) => decryptBody({ ...out, ciphertext: flipB64(out.ciphertext, 3) }, aadField(AAD))],
  ['AAD changed', (out) => decryptBody(out, aadField(Buffer.from('context=decrypt-suitf')))],
  ['AAD removed', (out) => decryptBody(out)],
  ['AAD extended by one byte', (out) => decryptBody(out, aadField(Buffer.concat([AAD, Buffer.from('x')])))],
  ['ciphertextMetadata changed', (out) => decryptBody({ ...out, ciphertextMetadata: flipB64(out.ciphertextMetadata ?? '', 4) }, aadField(AAD))],
  ['ciphertextMetadata marker changed', (out) => decryptBody({ ...out, ciphertextMetadata: flipB64(out.ciphertextMetadata ?? '', 0) }, aadField(AAD))],
  [
    'ciphertextMetadata removed',
    (out) => {
      const { ciphertextMetadata: _removed, ...rest } = out;
      return decryptBody(rest, aadField(AAD));
    },
  ],
  ['IV changed', (out) => decryptBody({ ...out, initializationVector: flipB64(out.initializationVector, 11) }, aadField(AAD))],
  [
    'bytes moved from the AAD into ciphertextMetadata',
    (out) => decryptBody({ ...out, ciphertextMetadata: Buffer.concat([AAD.subarray(-1), fromB64(out.ciphertextMetadata)]).toString('base64') }, aadField(AAD.subarray(0, -1))),
  ],
];

for (const [condition, build] of tampering) {
  test(`decrypt: ${condition} -> 400 InvalidCiphertextException`, async () => {
    const t = createTestApp();
    const out = await encrypted(t);
    // The untampered request decrypts, so the failure below is the tampering's.
    assertOk(await signedRequest(t.app, decryptPath('key-1'), decryptBody(out, aadField(AAD))));
    assertXksError(await signedRequest(t.app, decryptPath('key-1'), build(out)), 400, 'InvalidCiphertextException');
  });
}

test('decrypt: AAD added where encrypt had none -> 400 InvalidCiphertextException', async () => {
  const t = createTestApp();
  const out = await encrypted(t, PLAINTEXT, null);
  assertOk(await signedRequest(t.app, decryptPath('key-1'), decryptBody(out)));
  assertXksError(await signedRequest(t.app, decryptPath('key-1'), decryptBody(out, aadField(AAD))), 400, 'InvalidCiphertextException');
});

test('decrypt: empty AAD sent where encrypt had none -> 200 (absent and empty frame identically, spec A8)', async () => {
  const t = createTestApp();
  const out = await encrypted(t, PLAINTEXT, null);
  const body = assertOk(await signedRequest(t.app, decryptPath('key-1'), decryptBody(out, { additionalAuthenticatedData: '' })));
  assert.deepEqual(fromB64(body.plaintext), PLAINTEXT);
});

test('decrypt: ciphertext encrypted under another key -> 400 InvalidCiphertextException', async () => {
  const t = createTestApp({ keys: [...DEFAULT_TEST_KEYS, testKey('key-other')] });
  const out = await encrypted(t, PLAINTEXT, AAD, 'key-other');
  assertXksError(await signedRequest(t.app, decryptPath('key-1'), decryptBody(out, aadField(AAD))), 400, 'InvalidCiphertextException');
});

test('decrypt: metadata naming a version the key lacks -> 400 InvalidCiphertextException', async () => {
  const t = createTestApp();
  // Authentic under v1 with metadata "version 7": only the version lookup can refuse it.
  const meta = ourMetadata(7);
  const out = independentEncrypt(testMaterial('key-1/v1'), PLAINTEXT, { iv: randomBytes(12), aad: AAD, meta });
  assertXksError(await signedRequest(t.app, decryptPath('key-1'), decryptBody(out, aadField(AAD))), 400, 'InvalidCiphertextException');
});

test('decrypt: 2-version key, ciphertext of v1 (metadata version 1) -> 200; encrypt uses v2', async () => {
  const t = createTestApp({ keys: [testKey('key-2v', { versions: 2 })] });
  const v1 = independentEncrypt(testMaterial('key-2v/v1'), PLAINTEXT, { iv: randomBytes(12), aad: AAD, meta: ourMetadata(1) });
  const body = assertOk(await signedRequest(t.app, decryptPath('key-2v'), decryptBody(v1, aadField(AAD))));
  assert.deepEqual(fromB64(body.plaintext), PLAINTEXT);

  const out = await encrypted(t, PLAINTEXT, AAD, 'key-2v');
  const meta = fromB64(out.ciphertextMetadata);
  assert.deepEqual(meta, Buffer.from([0x01, 0x00, 0x00, 0x00, 0x02]));
  assert.equal(meta.readUInt32BE(1), 2);
  // Independently: v2 material authenticates the output, v1 material does not.
  const tryKey = (material: Uint8Array) => {
    const d = createDecipheriv('aes-256-gcm', material, fromB64(out.initializationVector));
    d.setAAD(frameGcmAad(AAD, meta));
    d.setAuthTag(fromB64(out.authenticationTag));
    return Buffer.concat([d.update(fromB64(out.ciphertext)), d.final()]);
  };
  assert.deepEqual(tryKey(testMaterial('key-2v/v2')), PLAINTEXT);
  assert.throws(() => tryKey(testMaterial('key-2v/v1')));
  // And the proxy round-trips its own v2 output.
  const back = assertOk(await signedRequest(t.app, decryptPath('key-2v'), decryptBody(out, aadField(AAD))));
  assert.deepEqual(fromB64(back.plaintext), PLAINTEXT);
});

test('decrypt: key without DECRYPT -> 400 InvalidKeyUsageException', async () => {
  const t = createTestApp();
  const out = independentEncrypt(testMaterial('key-encrypt-only/v1'), PLAINTEXT, { iv: randomBytes(12), meta: ourMetadata(1) });
  assertXksError(await signedRequest(t.app, decryptPath('key-encrypt-only'), decryptBody(out)), 400, 'InvalidKeyUsageException');
  assertXksError(await signedRequest(t.app, decryptPath('key-no-usage'), decryptBody(out)), 400, 'InvalidKeyUsageException');
});

test('decrypt: DISABLED key -> 400 InvalidStateException', async () => {
  const t = createTestApp();
  const out = independentEncrypt(testMaterial('key-disabled/v1'), PLAINTEXT, { iv: randomBytes(12), meta: ourMetadata(1) });
  assertXksError(await signedRequest(t.app, decryptPath('key-disabled'), decryptBody(out)), 400, 'InvalidStateException');
});

test('decrypt: DECRYPT-only key, authentic ciphertext -> 200', async () => {
  const t = createTestApp();
  const out = independentEncrypt(testMaterial('key-decrypt-only/v1'), PLAINTEXT, { iv: randomBytes(12), meta: ourMetadata(1) });
  const body = assertOk(await signedRequest(t.app, decryptPath('key-decrypt-only'), decryptBody(out)));
  assert.deepEqual(fromB64(body.plaintext), PLAINTEXT);
});

test('decrypt: unknown key -> 404 KeyNotFoundException', async () => {
  const t = createTestApp();
  const out = independentEncrypt(testMaterial('key-1/v1'), PLAINTEXT, { iv: randomBytes(12) });
  assertXksError(await signedRequest(t.app, decryptPath('no-such-key'), decryptBody(out)), 404, 'KeyNotFoundException');
});

test('decrypt: IV of 13 bytes -> 400 ValidationException', async () => {
  const t = createTestApp();
  const out = independentEncrypt(testMaterial('key-1/v1'), PLAINTEXT, { iv: randomBytes(12) });
  assertXksError(
    await signedRequest(t.app, decryptPath('key-1'), decryptBody({ ...out, initializationVector: randomBytes(13).toString('base64') })),
    400,
    'ValidationException',
  );
});
