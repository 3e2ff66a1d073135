/**
 * The XKS operation and error matrix every key backend passes (one shared table, run against the key files and a
 * SoftHSM token by test/http/proxy/backend-matrix.test.ts). The keys it needs, by id:
 *   key-1 (ENCRYPT+DECRYPT), key-encrypt-only, key-decrypt-only, key-no-usage, key-disabled (DISABLED).
 */
import assert from 'node:assert/strict';
import type { TestApp } from './test-app.js';
import { kmsMetadata, signedRequest } from './test-app.js';
import { assertOk, assertXksError, decryptBody, decryptPath, encryptBody, encryptPath, flipB64, metadataPath, type EncryptOutput } from './http-assertions.js';
import type { XksErrorName } from '../../src/errors/xks-errors.js';

export const MATRIX_KEY_IDS = ['key-1', 'key-encrypt-only', 'key-decrypt-only', 'key-no-usage', 'key-disabled'] as const;

const PLAINTEXT = Buffer.from('backend matrix plaintext');
const AAD = Buffer.from('context=backend-matrix');
const aad = { additionalAuthenticatedData: AAD.toString('base64') };

export interface MatrixCase {
  readonly name: string;
  /** Returns nothing; asserts on the responses. */
  run(t: TestApp): Promise<void>;
}

async function encrypted(t: TestApp, keyId = 'key-1', extra: Record<string, unknown> = aad): Promise<EncryptOutput> {
  return assertOk(await signedRequest(t.app, encryptPath(keyId), encryptBody(PLAINTEXT, extra))) as unknown as EncryptOutput;
}

function refused(status: number, errorName: XksErrorName, send: (t: TestApp) => Promise<import('supertest').Response>): (t: TestApp) => Promise<void> {
  return async (t) => assertXksError(await send(t), status, errorName);
}

export const BACKEND_MATRIX: readonly MatrixCase[] = [
  {
    name: 'encrypt then decrypt with AAD -> the plaintext back',
    async run(t) {
      const out = await encrypted(t);
      assert.equal(Buffer.from(out.initializationVector, 'base64').length, 12);
      assert.equal(Buffer.from(out.authenticationTag, 'base64').length, 16);
      const body = assertOk(await signedRequest(t.app, decryptPath('key-1'), decryptBody(out, aad)));
      assert.equal(Buffer.from(String(body['plaintext']), 'base64').toString(), PLAINTEXT.toString());
    },
  },
  {
    name: 'encrypt then decrypt without AAD; two encrypts never share an IV',
    async run(t) {
      const a = await encrypted(t, 'key-1', {});
      const b = await encrypted(t, 'key-1', {});
      assert.notEqual(a.initializationVector, b.initializationVector);
      const body = assertOk(await signedRequest(t.app, decryptPath('key-1'), decryptBody(a)));
      assert.equal(Buffer.from(String(body['plaintext']), 'base64').toString(), PLAINTEXT.toString());
    },
  },
  {
    name: 'encrypt with a CDIV (SHA_256) -> a 32-byte ciphertextDataIntegrityValue, check-decrypt passed',
    async run(t) {
      const out = assertOk(await signedRequest(t.app, encryptPath('key-1'), encryptBody(PLAINTEXT, { ...aad, ciphertextDataIntegrityValueAlgorithm: 'SHA_256' })));
      assert.equal(Buffer.from(String(out['ciphertextDataIntegrityValue']), 'base64').length, 32);
    },
  },
  {
    name: 'decrypt: tag flipped -> 400 InvalidCiphertextException',
    async run(t) {
      const out = await encrypted(t);
      assertXksError(await signedRequest(t.app, decryptPath('key-1'), decryptBody({ ...out, authenticationTag: flipB64(out.authenticationTag) }, aad)), 400, 'InvalidCiphertextException');
    },
  },
  {
    name: 'decrypt: ciphertext flipped -> 400 InvalidCiphertextException',
    async run(t) {
      const out = await encrypted(t);
      assertXksError(await signedRequest(t.app, decryptPath('key-1'), decryptBody({ ...out, ciphertext: flipB64(out.ciphertext) }, aad)), 400, 'InvalidCiphertextException');
    },
  },
  {
    name: 'decrypt: other AAD -> 400 InvalidCiphertextException',
    async run(t) {
      const out = await encrypted(t);
      assertXksError(await signedRequest(t.app, decryptPath('key-1'), decryptBody(out, { additionalAuthenticatedData: Buffer.from('other').toString('base64') })), 400, 'InvalidCiphertextException');
    },
  },
  {
    name: 'decrypt: IV flipped -> 400 InvalidCiphertextException',
    async run(t) {
      const out = await encrypted(t);
      assertXksError(await signedRequest(t.app, decryptPath('key-1'), decryptBody({ ...out, initializationVector: flipB64(out.initializationVector) }, aad)), 400, 'InvalidCiphertextException');
    },
  },
  {
    name: 'metadata of each key -> AES_256, its usage and status',
    async run(t) {
      const expected: Record<string, [string[], string]> = {
        'key-1': [['ENCRYPT', 'DECRYPT'], 'ENABLED'],
        'key-encrypt-only': [['ENCRYPT'], 'ENABLED'],
        'key-decrypt-only': [['DECRYPT'], 'ENABLED'],
        'key-no-usage': [[], 'ENABLED'],
        'key-disabled': [['ENCRYPT', 'DECRYPT'], 'DISABLED'],
      };
      for (const [id, [usage, status]] of Object.entries(expected)) {
        const body = assertOk(await signedRequest(t.app, metadataPath(id), { requestMetadata: kmsMetadata('DescribeKey') }));
        assert.deepEqual(body, { keySpec: 'AES_256', keyUsage: usage, keyStatus: status }, id);
      }
    },
  },
  { name: 'metadata: unknown key -> 404 KeyNotFoundException', run: refused(404, 'KeyNotFoundException', (t) => signedRequest(t.app, metadataPath('no-such-key'), { requestMetadata: kmsMetadata('DescribeKey') })) },
  { name: 'encrypt: unknown key -> 404 KeyNotFoundException', run: refused(404, 'KeyNotFoundException', (t) => signedRequest(t.app, encryptPath('no-such-key'), encryptBody(PLAINTEXT))) },
  { name: 'encrypt: DISABLED key -> 400 InvalidStateException', run: refused(400, 'InvalidStateException', (t) => signedRequest(t.app, encryptPath('key-disabled'), encryptBody(PLAINTEXT))) },
  { name: 'encrypt: DECRYPT-only key -> 400 InvalidKeyUsageException', run: refused(400, 'InvalidKeyUsageException', (t) => signedRequest(t.app, encryptPath('key-decrypt-only'), encryptBody(PLAINTEXT))) },
  { name: 'encrypt: key with no usage -> 400 InvalidKeyUsageException', run: refused(400, 'InvalidKeyUsageException', (t) => signedRequest(t.app, encryptPath('key-no-usage'), encryptBody(PLAINTEXT))) },
  {
    name: 'encrypt: ENCRYPT-only key -> 200 without CDIV, 400 InvalidKeyUsageException with CDIV (check-decrypt needs DECRYPT)',
    async run(t) {
      assertOk(await signedRequest(t.app, encryptPath('key-encrypt-only'), encryptBody(PLAINTEXT)));
      assertXksError(await signedRequest(t.app, encryptPath('key-encrypt-only'), encryptBody(PLAINTEXT, { ciphertextDataIntegrityValueAlgorithm: 'SHA_256' })), 400, 'InvalidKeyUsageException');
    },
  },
  {
    name: 'decrypt: ENCRYPT-only key -> 400 InvalidKeyUsageException; DISABLED key -> 400 InvalidStateException',
    async run(t) {
      const out = await encrypted(t);
      assertXksError(await signedRequest(t.app, decryptPath('key-encrypt-only'), decryptBody(out, aad)), 400, 'InvalidKeyUsageException');
      assertXksError(await signedRequest(t.app, decryptPath('key-disabled'), decryptBody(out, aad)), 400, 'InvalidStateException');
    },
  },
  {
    name: 'decrypt: ciphertext of another key under a DECRYPT-only key -> 400 InvalidCiphertextException',
    async run(t) {
      const out = await encrypted(t);
      assertXksError(await signedRequest(t.app, decryptPath('key-decrypt-only'), decryptBody(out, aad)), 400, 'InvalidCiphertextException');
    },
  },
  { name: 'encrypt: plaintext not base64 -> 400 ValidationException', run: refused(400, 'ValidationException', (t) => signedRequest(t.app, encryptPath('key-1'), { requestMetadata: kmsMetadata('Encrypt'), plaintext: '***', encryptionAlgorithm: 'AES_GCM' })) },
  { name: 'decrypt: 8-byte IV -> 400 ValidationException', run: refused(400, 'ValidationException', (t) => signedRequest(t.app, decryptPath('key-1'), decryptBody({ ciphertext: 'AAAA', initializationVector: Buffer.alloc(8).toString('base64'), authenticationTag: Buffer.alloc(16).toString('base64') }))) },
];
