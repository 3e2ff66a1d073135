import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openKeyDirectory } from '../../../src/proxy/keystore/key-directory.js';
import { loadKeyDirectory } from '../../../src/proxy/keystore/load-key-directory.js';
import { b64, createTestApp, kmsMetadata, signedRequest, testKey, type TestApp } from '../../support/test-app.js';

const AAD = 'project=nile,department=marketing';

async function encryptVia(t: TestApp, keyId: string, plaintext: string) {
  const res = await signedRequest(t.app, `/kms/xks/v1/keys/${keyId}/encrypt`, {
    requestMetadata: kmsMetadata('Encrypt'),
    plaintext: b64(plaintext),
    additionalAuthenticatedData: b64(AAD),
    encryptionAlgorithm: 'AES_GCM',
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { ciphertext: string; ciphertextMetadata: string; initializationVector: string; authenticationTag: string };
}

/** `aad` null: the request carries no additionalAuthenticatedData. */
function decryptVia(t: TestApp, keyId: string, enc: Record<string, string | undefined>, aad: string | null = AAD) {
  return signedRequest(t.app, `/kms/xks/v1/keys/${keyId}/decrypt`, {
    requestMetadata: kmsMetadata('Decrypt'),
    encryptionAlgorithm: 'AES_GCM',
    ...(aad !== null && { additionalAuthenticatedData: b64(aad) }),
    ...enc,
  });
}

const appFromDirectory = (dir: string, compat = false) =>
  createTestApp({
    keys: loadKeyDirectory(dir).store.listKeys(),
    ...(compat && { store: { compat: { sha256Aad: true } } }),
  });

test('rotation: encrypt under v1, rotate, encrypt under v2 -> metadata names each version and both decrypt', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xks-rotate-'));
  try {
    const keys = openKeyDirectory(dir);
    keys.create({ externalKeyId: 'rot' });
    const v1App = appFromDirectory(dir);
    const underV1 = await encryptVia(v1App, 'rot', 'made under v1');
    assert.equal(Buffer.from(underV1.ciphertextMetadata, 'base64').toString('hex'), '0100000001');

    keys.rotate('rot');
    const v2App = appFromDirectory(dir);
    const underV2 = await encryptVia(v2App, 'rot', 'made under v2');
    assert.equal(Buffer.from(underV2.ciphertextMetadata, 'base64').toString('hex'), '0100000002');

    for (const [enc, text] of [
      [underV1, 'made under v1'],
      [underV2, 'made under v2'],
    ] as const) {
      const res = await decryptVia(v2App, 'rot', enc);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(Buffer.from(res.body.plaintext, 'base64').toString(), text);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rotation: tampered version byte or marker -> 400 InvalidCiphertextException', async () => {
  const t = createTestApp({ keys: [testKey('rot', { versions: 3 })] });
  const enc = await encryptVia(t, 'rot', 'secret');
  const meta = Buffer.from(enc.ciphertextMetadata, 'base64');
  assert.equal(meta.toString('hex'), '0100000003');
  const tampered = (i: number, value: number) => {
    const copy = Buffer.from(meta);
    copy[i] = value;
    return copy.toString('base64');
  };
  for (const [name, ciphertextMetadata] of [
    ['older version that exists', tampered(4, 1)],
    ['version that does not exist', tampered(4, 9)],
    ['high version byte', tampered(1, 0x80)],
    ['unknown marker', tampered(0, 0x02)],
  ] as const) {
    const res = await decryptVia(t, 'rot', { ...enc, ciphertextMetadata });
    assert.equal(res.status, 400, name);
    assert.equal(res.body.errorName, 'InvalidCiphertextException', name);
  }
  const ok = await decryptVia(t, 'rot', enc);
  assert.equal(ok.status, 200);
});

/**
 * Ciphertext as AWS's sample proxy makes it (built here with node:crypto): GCM AAD = be16(len(AAD)) || SHA-256(AAD) ||
 * u8(len(md)) || md, or be16(0) || u8(len(md)) || md without an AAD field (docs/keys.md "Compatibility mode").
 */
function foreignCiphertext(material: Uint8Array, plaintext: string, aad: string | undefined, metadata: string | undefined) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  const md = Buffer.from(metadata ?? '');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(Buffer.byteLength(aad ?? ''));
  const digest = aad === undefined ? Buffer.alloc(0) : createHash('sha256').update(aad).digest();
  cipher.setAAD(Buffer.concat([len, digest, Buffer.from([md.length]), md]));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    ciphertext: ciphertext.toString('base64'),
    initializationVector: iv.toString('base64'),
    authenticationTag: cipher.getAuthTag().toString('base64'),
    ...(metadata !== undefined && { ciphertextMetadata: Buffer.from(metadata).toString('base64') }),
  };
}

test('compat.sha256Aad: the sample proxy\'s ciphertext with an AAD -> 400 when off, 200 when on (without an AAD it is A8 and decrypts either way); new ciphertext keeps the A8 marker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xks-compat-'));
  try {
    const keys = openKeyDirectory(dir);
    keys.create({ externalKeyId: 'old' });
    const v1 = loadKeyDirectory(dir).store.getKey('old')?.versions[0]?.material;
    assert.ok(v1 !== undefined);
    keys.rotate('old');
    const cases = [
      ['AAD and foreign metadata', foreignCiphertext(v1, 'from the old proxy', AAD, 'key_version=1'), AAD],
      ['AAD, no metadata', foreignCiphertext(v1, 'from the old proxy', AAD, undefined), AAD],
      ['no AAD', foreignCiphertext(v1, 'from the old proxy', undefined, undefined), null],
      ['metadata that looks like ours', foreignCiphertext(v1, 'from the old proxy', AAD, '\x01\x00\x00\x00\x02'), AAD],
    ] as const;
    const strict = appFromDirectory(dir);
    const compat = appFromDirectory(dir, true);
    for (const [name, enc, aad] of cases) {
      const off = await decryptVia(strict, 'old', enc, aad);
      if (aad === null) {
        assert.equal(off.status, 200, `${name}: compat off, the sample's no-AAD framing is spec A8's`);
      } else {
        assert.equal(off.status, 400, `${name}: compat off`);
        assert.equal(off.body.errorName, 'InvalidCiphertextException');
      }
      const on = await decryptVia(compat, 'old', enc, aad);
      assert.equal(on.status, 200, `${name}: compat on ${JSON.stringify(on.body)}`);
      assert.equal(Buffer.from(on.body.plaintext, 'base64').toString(), 'from the old proxy');
      const wrongAad = await decryptVia(compat, 'old', enc, 'project=other');
      assert.equal(wrongAad.body.errorName, 'InvalidCiphertextException', `${name}: the AAD still binds in compat mode`);
    }
    const fresh = await encryptVia(compat, 'old', 'new');
    assert.equal(Buffer.from(fresh.ciphertextMetadata, 'base64').toString('hex'), '0100000002');
    assert.equal((await decryptVia(compat, 'old', fresh)).status, 200);
    assert.equal((await decryptVia(strict, 'old', fresh)).status, 200);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
