/**
 * Migrating from AWS's sample proxy with the keys in a SoftHSM2 token: a TOML in the sample's shape naming the token
 * (its module, its PIN, can_generate_iv = false), `xks config import --from-aws-sample --token-label`, and the
 * imported key store (its pkcs11 block, PIN file, compat and allow-list, as written by the import) in front of the
 * token through the PKCS#11 backend. The token holds an AES key imported with known bytes (OpenSC's pkcs11-tool), so
 * the test computes the sample's ciphertexts with node:crypto; the sample found keys by CKA_LABEL, as this proxy does.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfigFile } from '../../../src/proxy/config/load-config.js';
import { openPkcs11KeyBackend } from '../../../src/proxy/keystore/pkcs11/pkcs11-key-backend.js';
import { runCli } from '../../support/run-cli.js';
import { createSoftHsmToken, softHsmMissing, SOFTHSM_MODULE, SOFTHSM_PIN } from '../../support/softhsm.js';
import { createTestApp, kmsMetadata, signedRequest, type TestApp } from '../../support/test-app.js';

const ORDERS_KEY = createHash('sha256').update('aws-sample softhsm test: orders-key').digest();
const METADATA = Buffer.from('sample-v1');

/** The sample's settings for this token: its shape (xks-axum/src/settings.rs), our values. */
const settingsToml = (module: string, pin: string) => `
[server]
ip = "127.0.0.1"
port = 8080
region = "us-east-1"
service = "kms-xks-proxy"
ciphertext_metadata_b64 = "${METADATA.toString('base64')}"

[security]
is_sigv4_auth_enabled = true
is_tls_enabled = false
is_mtls_enabled = false

[[external_key_stores]]
uri_path_prefix = ""
sigv4_access_key_id = "AKIAI2SFODNN7EXAMPLE"
sigv4_secret_access_key = "FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE"
xks_key_id_set = ["orders-key"]

[pkcs11]
session_pool_max_size = 2
session_pool_timeout_milli = 0
session_eager_close = false
user_pin = "${pin}"
PKCS11_HSM_MODULE = "${module}"
context_read_timeout_milli = 10

[hsm_capabilities]
can_generate_iv = false
is_zero_iv_required = false
`;

function sampleCiphertext(plaintext: string, aad: Buffer | undefined): Record<string, string> {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(aad?.length ?? 0);
  const gcmAad = Buffer.concat([len, aad === undefined ? Buffer.alloc(0) : createHash('sha256').update(aad).digest(), Buffer.from([METADATA.length]), METADATA]);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ORDERS_KEY, iv);
  cipher.setAAD(gcmAad);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    ciphertext: ciphertext.toString('base64'),
    initializationVector: iv.toString('base64'),
    authenticationTag: cipher.getAuthTag().toString('base64'),
    ciphertextMetadata: METADATA.toString('base64'),
    ...(aad !== undefined && { additionalAuthenticatedData: aad.toString('base64') }),
  };
}

const post = (t: TestApp, id: string, op: 'encrypt' | 'decrypt', body: Record<string, unknown>) =>
  signedRequest(t.app, `/kms/xks/v1/keys/${id}/${op}`, { requestMetadata: kmsMetadata(op === 'encrypt' ? 'Encrypt' : 'Decrypt'), encryptionAlgorithm: 'AES_GCM', ...body });

test('aws-sample + SoftHSM: import names the token; the sample\'s ciphertexts decrypt through the PKCS#11 backend; new Encrypts round-trip; the allow-list holds', { skip: softHsmMissing(), timeout: 120_000 }, async () => {
  const token = createSoftHsmToken('xks-sample');
  process.env['SOFTHSM2_CONF'] = token.conf;
  const sample = join(token.dir, 'xks-axum', 'configuration');
  mkdirSync(sample, { recursive: true });
  writeFileSync(join(sample, 'settings.toml'), settingsToml(SOFTHSM_MODULE, SOFTHSM_PIN));
  writeFileSync(join(sample, 'bootstrap.toml'), 'XKS_PROXY_SETTINGS_TOML = "configuration/settings.toml"\n');
  token.importKey('orders-key', ORDERS_KEY);
  token.keygen('stray-key');
  const run = await runCli(['config', 'import', '--from-aws-sample', join(sample, 'bootstrap.toml'), '--out', 'xks/config.json', '--token-label', 'xks-sample'], { cwd: token.dir });
  assert.equal(run.error, undefined, run.error?.message);
  assert.match(run.stdout, /hsm_capabilities\.can_generate_iv, is_zero_iv_required -> pkcs11\.ivGeneration "proxy"/);
  assert.equal(run.stdout.includes(SOFTHSM_PIN), false, 'the PIN is never printed');
  const configFile = join(token.dir, 'xks', 'config.json');
  assert.equal(readFileSync(join(token.dir, 'xks', 'secrets', 'pkcs11-user-pin'), 'utf8'), SOFTHSM_PIN);
  const loaded = loadConfigFile(configFile);
  const store = loaded.keyStores[0];
  assert.ok(store?.pkcs11 !== undefined, 'the imported store is an HSM store');
  assert.equal(store.pkcs11.tokenLabel, 'xks-sample');
  assert.equal(store.pkcs11.sessions, 2);
  const raw = (JSON.parse(readFileSync(configFile, 'utf8')) as { keyStores: Record<string, unknown>[] }).keyStores[0]!;
  const backend = openPkcs11KeyBackend(store.pkcs11);
  try {
    // The imported store's own fields; only the PIN file's path made absolute (the test app's base directory is /).
    const pkcs11 = { ...(raw['pkcs11'] as Record<string, unknown>), pinFile: join(token.dir, 'xks', 'secrets', 'pkcs11-user-pin') };
    const t = createTestApp({ store: { keyDirectory: undefined, pkcs11, compat: raw['compat'], allowedKeyIds: raw['allowedKeyIds'] }, backend });
    for (const [name, aad] of [
      ['with AAD', Buffer.from('project=orders')],
      ['empty AAD', Buffer.alloc(0)],
      ['no AAD', undefined],
    ] as const) {
      const res = await post(t, 'orders-key', 'decrypt', sampleCiphertext(`sample ciphertext, ${name}`, aad));
      assert.equal(res.status, 200, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(Buffer.from(res.body.plaintext, 'base64').toString(), `sample ciphertext, ${name}`);
    }
    const tampered = sampleCiphertext('x', Buffer.from('project=orders'));
    const flipped = await post(t, 'orders-key', 'decrypt', { ...tampered, additionalAuthenticatedData: Buffer.from('project=orderz').toString('base64') });
    assert.equal(flipped.body.errorName, 'InvalidCiphertextException');
    const aad = Buffer.from('new').toString('base64');
    const enc = await post(t, 'orders-key', 'encrypt', { plaintext: Buffer.from('new ciphertext').toString('base64'), additionalAuthenticatedData: aad });
    assert.equal(enc.status, 200, JSON.stringify(enc.body));
    assert.equal(Buffer.from(enc.body.ciphertextMetadata, 'base64')[0], 0x01, 'our metadata marker');
    const dec = await post(t, 'orders-key', 'decrypt', { ...enc.body, additionalAuthenticatedData: aad });
    assert.equal(dec.status, 200, JSON.stringify(dec.body));
    assert.equal(Buffer.from(dec.body.plaintext, 'base64').toString(), 'new ciphertext');
    const stray = await post(t, 'stray-key', 'encrypt', { plaintext: Buffer.from('x').toString('base64') });
    assert.equal(stray.status, 404);
    assert.equal(stray.body.errorName, 'KeyNotFoundException');
  } finally {
    await backend.close();
    token.cleanup();
  }
});
