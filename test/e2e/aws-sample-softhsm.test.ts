/**
 * Migrating from AWS's sample proxy, end to end with the keys in a SoftHSM2 token: the token holds an AES key imported
 * with known bytes (OpenSC's pkcs11-tool), so the test computes the sample's ciphertexts with node:crypto; a TOML in
 * the sample's shape names that token (module, PIN, can_generate_iv = false); `xks config import --from-aws-sample
 * --token-label` (a real process); `xks serve` on the result; Decrypt of the sample's ciphertexts (with an AAD, an
 * empty one, none; its static metadata) returns the plaintexts; new Encrypts use this project's framing and decrypt;
 * the AWS CLI v2 against the KMS emulator connects an external key store to the imported store.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { awsCliAgainstEmulator, sampleCiphertext } from '../support/aws-sample.js';
import { REPO_ROOT, startProxyProcess } from '../support/proxy-process.js';
import { signedPost } from '../support/signed-post.js';
import { createSoftHsmToken, softHsmMissing, SOFTHSM_MODULE, SOFTHSM_PIN } from '../support/softhsm.js';
import { kmsMetadata } from '../support/test-app.js';

const ORDERS_KEY = createHash('sha256').update('aws-sample softhsm e2e: orders-key').digest();
const METADATA = Buffer.from('sample-v1');
const STORE = { accessKeyId: 'USZKK6AKOVNHHWDYC6KC', secret: 'NV+gdjowGPnx6nWEAd98Ea+ghWBvie2/t5KQe+QEjeA=', region: 'us-east-1', prefix: '/orders' };

/** The sample's settings for this token: its shape (xks-axum/src/settings.rs), our values. */
const SETTINGS = `
[server]
ip = "0.0.0.0"
port = 80
region = "${STORE.region}"
service = "kms-xks-proxy"
ciphertext_metadata_b64 = "${METADATA.toString('base64')}"

[server.tcp_keepalive]
tcp_keepalive_secs = 60

[tracing]
is_stdout_writer_enabled = true
is_file_writer_enabled = false
level = "INFO"

[security]
is_sigv4_auth_enabled = true
is_tls_enabled = false
is_mtls_enabled = false

[[external_key_stores]]
uri_path_prefix = "${STORE.prefix}"
sigv4_access_key_id = "${STORE.accessKeyId}"
sigv4_secret_access_key = "${STORE.secret}"
xks_key_id_set = ["orders-key"]

[pkcs11]
session_pool_max_size = 4
session_pool_timeout_milli = 0
session_eager_close = false
user_pin = "${SOFTHSM_PIN}"
PKCS11_HSM_MODULE = "${SOFTHSM_MODULE}"
context_read_timeout_milli = 10

[limits]
max_plaintext_in_base64 = 8192
max_aad_in_base64 = 16384

[hsm_capabilities]
can_generate_iv = false
is_zero_iv_required = false
`;

test('e2e: sample TOML naming a SoftHSM token -> xks config import -> xks serve: the sample\'s ciphertexts decrypt, new Encrypts round-trip, the AWS CLI connects through the KMS emulator', { skip: softHsmMissing(), timeout: 300_000 }, async () => {
  const token = createSoftHsmToken('xks');
  const sample = join(token.dir, 'xks-axum', 'configuration');
  mkdirSync(sample, { recursive: true });
  writeFileSync(join(sample, 'settings.toml'), SETTINGS);
  writeFileSync(join(sample, 'bootstrap.toml'), 'XKS_PROXY_SETTINGS_TOML = "configuration/settings.toml"\n');
  token.importKey('orders-key', ORDERS_KEY);
  token.keygen('stray-key');
  // docs/migrating-from-the-aws-sample.md, "Keys staying in the HSM token": its commands, with the page's paths here.
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'migrating-from-the-aws-sample.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### Keys staying in the HSM token'));
  const commands = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  assert.match(commands, /^xks config import --from-aws-sample \/opt\/xks-axum\/configuration\/bootstrap\.toml --out \/etc\/xks\/config\.json --token-label xks$/m);
  const etc = join(token.dir, 'xks');
  const script = commands.replaceAll('/opt/xks-axum', join(token.dir, 'xks-axum')).replaceAll('/etc/xks', etc).replace(/^xks /gm, `"${process.execPath}" "${join(REPO_ROOT, 'bin', 'xks.js')}" `);
  const env = { PATH: '/usr/bin:/bin', HOME: token.dir, ...token.env };
  const run = spawnSync('bash', ['-e', '-c', script], { cwd: token.dir, env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, `${run.stderr}\n${run.stdout}`);
  const shown = run.stdout.replaceAll(etc, '/etc/xks');
  assert.match(shown, /pkcs11\.user_pin -> secrets\/pkcs11-user-pin \(mode 0600\), pkcs11\.pinFile/);
  assert.match(shown, /-> pkcs11\.ivGeneration "proxy"/);
  assert.match(shown, /keys in PKCS#11 token "xks"/);
  assert.match(shown, /^ok: \/etc\/xks\/config\.json$/m);
  assert.equal(run.stdout.includes(STORE.secret) || run.stderr.includes(STORE.secret), false, 'no secret printed');
  const proxy = await startProxyProcess(['serve', '--config', join(etc, 'config.json'), '--host', '127.0.0.1', '--port', '0'], { cwd: token.dir, env: token.env, timeoutMs: 60_000 });
  try {
    const call = (op: 'encrypt' | 'decrypt', body: Record<string, unknown>, id = 'orders-key') =>
      signedPost(proxy.url, `${STORE.prefix}/kms/xks/v1/keys/${id}/${op}`, { requestMetadata: kmsMetadata(op === 'encrypt' ? 'Encrypt' : 'Decrypt'), encryptionAlgorithm: 'AES_GCM', ...body }, {
        accessKeyId: STORE.accessKeyId,
        secret: STORE.secret,
        region: STORE.region,
      });
    for (const [name, aad] of [
      ['with AAD', Buffer.from('project=orders,env=prod')],
      ['empty AAD', Buffer.alloc(0)],
      ['no AAD', undefined],
    ] as const) {
      const res = await call('decrypt', sampleCiphertext(ORDERS_KEY, `made by the sample, ${name}`, aad, METADATA));
      assert.equal(res.status, 200, `${name}: ${res.body}`);
      assert.equal(Buffer.from(JSON.parse(res.body).plaintext, 'base64').toString(), `made by the sample, ${name}`);
    }
    const tampered = { ...sampleCiphertext(ORDERS_KEY, 'x', Buffer.from('aad'), METADATA), additionalAuthenticatedData: Buffer.from('aaD').toString('base64') };
    assert.equal(JSON.parse((await call('decrypt', tampered)).body).errorName, 'InvalidCiphertextException');
    const aad = Buffer.from('tenant=orders').toString('base64');
    const enc = await call('encrypt', { plaintext: Buffer.from('new ciphertext').toString('base64'), additionalAuthenticatedData: aad });
    assert.equal(enc.status, 200, enc.body);
    const e = JSON.parse(enc.body) as Record<string, string>;
    assert.equal(Buffer.from(e['ciphertextMetadata']!, 'base64')[0], 0x01, 'our metadata marker, not the sample\'s static metadata');
    const dec = await call('decrypt', { ciphertext: e['ciphertext'], ciphertextMetadata: e['ciphertextMetadata'], initializationVector: e['initializationVector'], authenticationTag: e['authenticationTag'], additionalAuthenticatedData: aad });
    assert.equal(dec.status, 200, dec.body);
    assert.equal(Buffer.from(JSON.parse(dec.body).plaintext, 'base64').toString(), 'new ciphertext');
    const stray = await call('encrypt', { plaintext: Buffer.from('x').toString('base64') }, 'stray-key');
    assert.equal(stray.status, 404, 'in the token, not in xks_key_id_set');
    await awsCliAgainstEmulator({ workDir: token.dir, region: STORE.region, proxyUrl: proxy.url, uriPath: `${STORE.prefix}/kms/xks/v1`, accessKeyId: STORE.accessKeyId, secret: STORE.secret, allowedKeyId: 'orders-key', refusedKeyId: 'stray-key' });
    const log = proxy.stdout() + proxy.stderr();
    assert.equal(log.includes(STORE.secret), false, 'no secret in the proxy log');
    assert.equal(readFileSync(join(etc, 'secrets', 'pkcs11-user-pin'), 'utf8'), SOFTHSM_PIN);
  } finally {
    await proxy.stop();
    token.cleanup();
  }
});
