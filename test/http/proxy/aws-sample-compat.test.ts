/**
 * compat.sha256Aad against ciphertexts as AWS's sample proxy (aws-samples/aws-kms-xks-proxy) made them. The vectors
 * are computed here with node:crypto from the formula in docs/keys.md ("Compatibility mode"), not with the proxy's
 * code:
 *   AAD field present (even empty): be16(len(AAD)) || SHA-256(AAD) || u8(len(md)) || md
 *   AAD field absent:               be16(0)                         || u8(len(md)) || md
 */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createTestApp, kmsMetadata, signedRequest, testKey, type TestApp } from '../../support/test-app.js';

const KEY = testKey('legacy', { versions: 2 });
const MATERIAL = Buffer.from(KEY.versions[0]!.material);

function sampleGcmAad(aad: Buffer | undefined, md: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(aad?.length ?? 0);
  return Buffer.concat([len, aad === undefined ? Buffer.alloc(0) : createHash('sha256').update(aad).digest(), Buffer.from([md.length]), md]);
}

interface SampleCiphertext {
  readonly ciphertext: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly aad: Buffer | undefined;
  readonly md: Buffer | undefined;
}

function sampleEncrypt(plaintext: string, aad: Buffer | undefined, md: Buffer | undefined): SampleCiphertext {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', MATERIAL, iv);
  cipher.setAAD(sampleGcmAad(aad, md ?? Buffer.alloc(0)));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { ciphertext, iv, tag: cipher.getAuthTag(), aad, md };
}

function decryptVia(t: TestApp, c: SampleCiphertext) {
  return signedRequest(t.app, '/kms/xks/v1/keys/legacy/decrypt', {
    requestMetadata: kmsMetadata('Decrypt'),
    encryptionAlgorithm: 'AES_GCM',
    ciphertext: c.ciphertext.toString('base64'),
    initializationVector: c.iv.toString('base64'),
    authenticationTag: c.tag.toString('base64'),
    ...(c.aad !== undefined && { additionalAuthenticatedData: c.aad.toString('base64') }),
    ...(c.md !== undefined && { ciphertextMetadata: c.md.toString('base64') }),
  });
}

const AADS: readonly [string, Buffer | undefined][] = [
  ['AAD present', Buffer.from('project=nile,department=marketing')],
  ['AAD present but empty', Buffer.alloc(0)],
  ['AAD absent', undefined],
];
const metadataOf = (n: number): Buffer | undefined => (n === 0 ? undefined : Buffer.from(Array.from({ length: n }, (_, i) => (0x41 + i * 7) & 0xff)));
const PLAINTEXT = 'encrypted by the sample proxy';

const compatApp = (extra: Record<string, unknown> = {}) => createTestApp({ keys: [KEY], store: { compat: { sha256Aad: true, ...extra } } });

test('aws-sample compat: AAD present / empty / absent x metadata absent or 1..20 bytes -> 200 with the plaintext; without compat only the no-AAD case (the A8 framing) decrypts', async () => {
  const on = compatApp();
  const off = createTestApp({ keys: [KEY] });
  for (const [name, aad] of AADS) {
    for (let n = 0; n <= 20; n++) {
      const c = sampleEncrypt(PLAINTEXT, aad, metadataOf(n));
      const res = await decryptVia(on, c);
      assert.equal(res.status, 200, `${name}, metadata ${n} bytes: ${JSON.stringify(res.body)}`);
      assert.equal(Buffer.from(res.body.plaintext, 'base64').toString(), PLAINTEXT);
      const strict = await decryptVia(off, c);
      assert.equal(strict.status, aad === undefined ? 200 : 400, `${name}, metadata ${n} bytes, compat off`);
    }
  }
});

/** Every single-byte change of every field, plus moving the AAD between absent and empty, and dropping the metadata. */
function tamperings(c: SampleCiphertext): [string, SampleCiphertext][] {
  const out: [string, SampleCiphertext][] = [];
  const flip = (b: Buffer, i: number) => {
    const copy = Buffer.from(b);
    copy[i] = copy[i]! ^ 0x01;
    return copy;
  };
  for (const field of ['ciphertext', 'iv', 'tag', 'aad', 'md'] as const) {
    const bytes = c[field];
    for (let i = 0; i < (bytes?.length ?? 0); i++) out.push([`${field}[${i}]`, { ...c, [field]: flip(bytes!, i) }]);
  }
  // (AAD absent -> empty is no change: spec A8 frames both as length 0, and the sample's no-AAD framing is A8's.)
  if (c.aad?.length === 0) out.push(['AAD empty -> absent', { ...c, aad: undefined }]);
  else if (c.aad !== undefined) out.push(['AAD dropped', { ...c, aad: undefined }]);
  if (c.md !== undefined) out.push(['metadata dropped', { ...c, md: undefined }]);
  // (21 bytes of metadata is a ValidationException, spec A5)
  if (c.md !== undefined && c.md.length < 20) out.push(['metadata byte appended', { ...c, md: Buffer.concat([c.md, Buffer.from([0])]) }]);
  else if (c.md === undefined) out.push(['metadata added', { ...c, md: Buffer.from([0]) }]);
  return out;
}

test('aws-sample compat: each tampered byte (ciphertext, IV, tag, AAD, metadata) -> 400 InvalidCiphertextException', async () => {
  const on = compatApp();
  for (const [name, aad] of AADS) {
    for (const n of [0, 1, 20]) {
      const c = sampleEncrypt(PLAINTEXT, aad, metadataOf(n));
      assert.equal((await decryptVia(on, c)).status, 200);
      for (const [what, bad] of tamperings(c)) {
        const res = await decryptVia(on, bad);
        assert.equal(res.status, 400, `${name}, metadata ${n} bytes, ${what}`);
        assert.equal(res.body.errorName, 'InvalidCiphertextException', `${name}, metadata ${n} bytes, ${what}`);
      }
    }
  }
});

test('aws-sample compat: compat.ciphertextMetadata names the static metadata -> only ciphertexts carrying it are tried', async () => {
  const md = Buffer.from('v0.0.1');
  const on = compatApp({ ciphertextMetadata: md.toString('base64') });
  const aad = Buffer.from('tenant=a');
  const genuine = sampleEncrypt(PLAINTEXT, aad, md);
  assert.equal((await decryptVia(on, genuine)).status, 200);
  // Made with another metadata (valid under the formula): not the configured sample's, so not tried.
  const other = sampleEncrypt(PLAINTEXT, aad, Buffer.from('v0.0.2'));
  assert.equal((await decryptVia(compatApp(), other)).status, 200, 'decrypts when no metadata is configured');
  const refused = await decryptVia(on, other);
  assert.equal(refused.status, 400);
  assert.equal(refused.body.errorName, 'InvalidCiphertextException');
  // Configured as empty: the sample returned no metadata.
  const none = compatApp({ ciphertextMetadata: '' });
  assert.equal((await decryptVia(none, sampleEncrypt(PLAINTEXT, aad, undefined))).status, 200);
  assert.equal((await decryptVia(none, genuine)).status, 400);
});

test('aws-sample compat: compat.ciphertextMetadata must be base64 of at most 20 bytes', () => {
  assert.throws(() => compatApp({ ciphertextMetadata: Buffer.alloc(21).toString('base64') }), /compat\.ciphertextMetadata: must be standard base64 of 0-20 bytes/);
  assert.throws(() => compatApp({ ciphertextMetadata: 'not base64!' }), /compat\.ciphertextMetadata/);
});

test('aws-sample compat: Encrypt never uses the sample construction (its tag verifies under spec A8 only)', async () => {
  const on = compatApp();
  const aad = Buffer.from('project=nile');
  const res = await signedRequest(on.app, '/kms/xks/v1/keys/legacy/encrypt', {
    requestMetadata: kmsMetadata('Encrypt'),
    plaintext: Buffer.from(PLAINTEXT).toString('base64'),
    additionalAuthenticatedData: aad.toString('base64'),
    encryptionAlgorithm: 'AES_GCM',
  });
  assert.equal(res.status, 200);
  const md = Buffer.from(res.body.ciphertextMetadata, 'base64');
  assert.equal(md.toString('hex'), '0100000002', 'our marker and the newest version');
  const verifies = (gcmAad: Buffer) => {
    const d = createDecipheriv('aes-256-gcm', Buffer.from(KEY.versions[1]!.material), Buffer.from(res.body.initializationVector, 'base64'));
    d.setAAD(gcmAad);
    d.setAuthTag(Buffer.from(res.body.authenticationTag, 'base64'));
    try {
      return Buffer.concat([d.update(Buffer.from(res.body.ciphertext, 'base64')), d.final()]).toString();
    } catch {
      return undefined;
    }
  };
  const len = Buffer.alloc(2);
  len.writeUInt16BE(aad.length);
  assert.equal(verifies(Buffer.concat([len, aad, Buffer.from([md.length]), md])), PLAINTEXT, 'spec A8 framing');
  assert.equal(verifies(sampleGcmAad(aad, md)), undefined, 'not the sample construction');
});
