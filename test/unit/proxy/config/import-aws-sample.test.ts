import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { parse } from 'smol-toml';
import { configSchema } from '../../../../src/proxy/config/config-schema.js';
import { AwsSampleImportError, importAwsSampleSettings, type AwsSampleImport } from '../../../../src/proxy/config/import-aws-sample.js';

const SAMPLE_DIR = resolve(import.meta.dirname, '../../../vectors/aws-sample');
const load = (variant: string): Record<string, unknown> => parse(readFileSync(join(SAMPLE_DIR, 'configuration', `settings_${variant}.toml`), 'utf8')) as Record<string, unknown>;
const pkcs11 = (variant: string, env: Record<string, string> = {}, uriPathPrefix?: string) =>
  importAwsSampleSettings(load(variant), { sampleDir: SAMPLE_DIR, tokenLabel: 'xks-token', env, ...(uriPathPrefix !== undefined && { uriPathPrefix }) });

/** Every secret of a vector file: the sigv4 secrets and the PIN. */
function secretsOf(doc: Record<string, unknown>): string[] {
  const stores = doc['external_key_stores'] as { sigv4_secret_access_key: string }[];
  return [...stores.map((s) => s.sigv4_secret_access_key), (doc['pkcs11'] as { user_pin: string }).user_pin];
}

function assertNoSecretLeaks(variant: string, imported: AwsSampleImport): void {
  const visible = JSON.stringify(imported.config) + imported.report.join('\n');
  for (const secret of secretsOf(load(variant))) assert.equal(visible.includes(secret), false, `${variant}: a secret in the config or the report`);
}

const reportHas = (imported: AwsSampleImport, pattern: RegExp) => assert.ok(imported.report.some((l) => pattern.test(l)), `no report line matches ${pattern}:\n${imported.report.join('\n')}`);

test('import softhsm, one store per PKCS#11 library: each prefix on its own; secrets to files, allow-list, compat with the static metadata, ivGeneration proxy; the unmapped settings are reported', () => {
  const pkcs11Section = { module: '/usr/lib/softhsm/libsofthsm2.so', tokenLabel: 'xks-token', pinFile: 'secrets/pkcs11-user-pin', ivGeneration: 'proxy', sessions: 8 };
  const first = importAwsSampleSettings(load('softhsmv2'), { sampleDir: SAMPLE_DIR, tokenLabel: 'xks-token', uriPathPrefix: '' });
  assert.deepEqual(first.config, {
    listen: { host: '0.0.0.0', port: 8080 },
    logging: { level: 'info' },
    keyStores: [
      { name: 'default', uriPrefix: '', regions: ['eu-west-1'], credentials: [{ accessKeyId: 'CPGADDJVVFPJHKYTWALZ', secretFile: 'secrets/default.secret' }], pkcs11: pkcs11Section, allowedKeyIds: ['billing-key', 'orders-key'], compat: { sha256Aad: true, ciphertextMetadata: 'c2FtcGxlLXYx' } },
    ],
  });
  assert.deepEqual(first.secrets.map((s) => [s.file, s.content]), [
    ['secrets/pkcs11-user-pin', '7391-softhsm-pin'],
    ['secrets/default.secret', 'O4RWPhPYxD5vROTX4uAuDrvhYtWMmOVFTi+RjgPrXrg='],
  ]);
  reportHas(first, /^external_key_stores\[1\] \(uri_path_prefix "\/tenant-a\/prod"\): not imported \(--uri-path-prefix\)/);
  const second = importAwsSampleSettings(load('softhsmv2'), { sampleDir: SAMPLE_DIR, tokenLabel: 'xks-token', uriPathPrefix: '/tenant-a/prod' });
  assert.deepEqual((second.config as { keyStores: unknown[] }).keyStores, [
    { name: 'tenant-a-prod', uriPrefix: '/tenant-a/prod', regions: ['eu-west-1'], credentials: [{ accessKeyId: 'DYGTXCO7LENWVEF52ZIW', secretFile: 'secrets/tenant-a-prod.secret' }], pkcs11: pkcs11Section, allowedKeyIds: ['tenant-a-key'], compat: { sha256Aad: true, ciphertextMetadata: 'c2FtcGxlLXYx' } },
  ]);
  for (const p of [/^server\.tcp_keepalive: no equivalent/, /^tracing\..*: no equivalent/, /^limits\..*: no equivalent/, /^pkcs11\.session_pool_max_size -> pkcs11\.sessions/, /^pkcs11\.session_pool_timeout_milli: no equivalent/, /^pkcs11\.session_eager_close: no equivalent/, /^pkcs11\.context_read_timeout_milli: no equivalent/]) {
    reportHas(first, p);
  }
  assertNoSecretLeaks('softhsmv2', first);
  assertNoSecretLeaks('softhsmv2', second);
});

test('import: several stores on the sample\'s one token -> refused for the PKCS#11 backend with the way out; an unknown --uri-path-prefix -> refused', () => {
  assert.throws(() => pkcs11('softhsmv2'), (e: unknown) => e instanceof AwsSampleImportError && e.problems.some((p) => /^external_key_stores: 2 stores share the sample's one PKCS#11 token, and this proxy serves one key store per PKCS#11 library .*--uri-path-prefix.*--key-directory/.test(p)));
  assert.throws(() => importAwsSampleSettings(load('softhsmv2'), { sampleDir: SAMPLE_DIR, tokenLabel: 't', uriPathPrefix: '/nope' }), /--uri-path-prefix "\/nope": no \[\[external_key_stores\]\] entry has this uri_path_prefix/);
});

test('import softhsm with a key directory: the file backend, no PIN file, the pkcs11 tables reported as unused', () => {
  const imported = importAwsSampleSettings(load('softhsmv2'), { sampleDir: SAMPLE_DIR, keyDirectory: '/srv/xks/keys' });
  const stores = (imported.config as { keyStores: Record<string, unknown>[] }).keyStores;
  assert.deepEqual(stores.map((s) => [s['keyDirectory'], s['pkcs11']]), [['/srv/xks/keys', undefined], ['/srv/xks/keys', undefined]]);
  assert.deepEqual(imported.secrets.map((s) => s.file), ['secrets/default.secret', 'secrets/tenant-a-prod.secret']);
  reportHas(imported, /^pkcs11, pkcs11_logger, hsm_capabilities: not used/);
});

test('import luna: TLS + mTLS paths resolved against the sample directory, the logger shim replaced by the real module, ivGeneration hsm-iv-after-tag, duplicate key ids merged', () => {
  const imported = pkcs11('luna');
  const c = imported.config as { listen: unknown; logging: unknown; keyStores: Record<string, unknown>[] };
  assert.deepEqual(c.listen, {
    host: '10.0.0.5',
    port: 443,
    tls: {
      certFile: join(SAMPLE_DIR, 'tls/luna_server_cert.pem'),
      keyFile: join(SAMPLE_DIR, 'tls/luna_server_key.pem'),
      clientAuth: { caFile: '/etc/xks/client_ca.pem', allowedSubjects: ['us-west-2.cks.kms.aws.internal.amazonaws.com'] },
    },
  });
  assert.deepEqual(c.logging, { level: 'debug' });
  assert.deepEqual(c.keyStores[0]?.['pkcs11'], { module: '/usr/safenet/lunaclient/lib/libCryptoki2_64.so', tokenLabel: 'xks-token', pinFile: 'secrets/pkcs11-user-pin', ivGeneration: 'hsm-iv-after-tag', sessions: 16 });
  assert.equal(c.keyStores[0]?.['name'], 'luna-keys');
  assert.deepEqual(c.keyStores[0]?.['allowedKeyIds'], ['luna-aes-1', 'luna-aes-2']);
  assert.deepEqual(c.keyStores[0]?.['compat'], { sha256Aad: true });
  reportHas(imported, /^server\.port_http_ping: no equivalent: GET \/ping is served on listen\.port/);
  reportHas(imported, /^pkcs11_logger\.PKCS11_LOGGER_LIBRARY_PATH -> pkcs11\.module/);
  reportHas(imported, /^pkcs11_logger\.PKCS11_LOGGER_LOG_FILE_PATH, PKCS11_LOGGER_FLAGS: no equivalent/);
  assertNoSecretLeaks('luna', imported);
});

test('import nshield: SigV4 off and an empty key set reported, empty static metadata kept, ivGeneration hsm-zero-iv', () => {
  const imported = pkcs11('nshield');
  const c = imported.config as { listen: unknown; logging: unknown; keyStores: Record<string, unknown>[] };
  assert.deepEqual(c.listen, { host: '127.0.0.1', port: 7080 });
  assert.deepEqual(c.logging, { level: 'warn' });
  assert.deepEqual(c.keyStores[0]?.['allowedKeyIds'], []);
  assert.deepEqual(c.keyStores[0]?.['compat'], { sha256Aad: true, ciphertextMetadata: '' });
  assert.equal((c.keyStores[0]?.['pkcs11'] as { ivGeneration: string }).ivGeneration, 'hsm-zero-iv');
  assert.equal((c.keyStores[0]?.['pkcs11'] as { module: string }).module, '/opt/nfast/toolkits/pkcs11/libcknfast.so');
  reportHas(imported, /^security\.is_sigv4_auth_enabled = false: no equivalent: this proxy always requires SigV4/);
  reportHas(imported, /allowedKeyIds \(0 key id\(s\)\): every key of this store is refused/);
  assertNoSecretLeaks('nshield', imported);
});

test('import cloudhsm: Oso and an unknown key reported, TLS without mTLS, stores named after their prefixes, the real CloudHSM module', () => {
  const imported = pkcs11('cloudhsm', {}, '/cloudhsm/ledger');
  const c = imported.config as { listen: { tls: unknown }; logging: unknown; keyStores: Record<string, unknown>[] };
  assert.deepEqual(c.listen.tls, { certFile: join(SAMPLE_DIR, 'tls/cloudhsm_cert.pem'), keyFile: join(SAMPLE_DIR, 'tls/cloudhsm_key.pem') });
  assert.deepEqual(c.logging, { level: 'trace' });
  assert.deepEqual(c.keyStores.map((s) => [s['name'], s['uriPrefix'], s['regions'], s['allowedKeyIds']]), [['cloudhsm-ledger', '/cloudhsm/ledger', ['us-east-2'], ['ledger-a', 'ledger-b']]]);
  assert.deepEqual(c.keyStores[0]?.['pkcs11'], { module: '/opt/cloudhsm/lib/libcloudhsm_pkcs11.so', tokenLabel: 'xks-token', pinFile: 'secrets/pkcs11-user-pin', ivGeneration: 'hsm-zero-iv', sessions: 30 });
  reportHas(imported, /^security\.secondary_auth, security\.oso: no equivalent: Oso policies are not translated/);
  reportHas(imported, /^server\.debug_mode: no equivalent: the sample does not know this setting either/);
  assertNoSecretLeaks('cloudhsm', imported);
  const files = importAwsSampleSettings(load('cloudhsm'), { sampleDir: SAMPLE_DIR, keyDirectory: '/srv/keys' });
  assert.deepEqual((files.config as { keyStores: Record<string, unknown>[] }).keyStores.map((s) => s['name']), ['cloudhsm-payments', 'cloudhsm-ledger']);
});

test('import: PKCS11_HSM_MODULE from the environment wins over the file, as in the sample', () => {
  const imported = pkcs11('nshield', { PKCS11_HSM_MODULE: '/opt/other/libpkcs11.so' });
  assert.equal(((imported.config as { keyStores: Record<string, unknown>[] }).keyStores[0]?.['pkcs11'] as { module: string }).module, '/opt/other/libpkcs11.so');
  reportHas(imported, /PKCS11_HSM_MODULE \(from the environment, as the sample did\) -> pkcs11\.module/);
});

test('import: every problem at once, named with the sample\'s own setting names, never with a secret value', () => {
  const doc = load('softhsmv2');
  const server = doc['server'] as Record<string, unknown>;
  server['service'] = 'kms';
  server['region'] = 'Europe';
  server['ciphertext_metadata_b64'] = Buffer.alloc(21).toString('base64');
  const security = doc['security'] as Record<string, unknown>;
  security['is_mtls_enabled'] = true;
  const stores = doc['external_key_stores'] as Record<string, unknown>[];
  stores[0]!['sigv4_access_key_id'] = '';
  stores[0]!['sigv4_secret_access_key'] = 'too-short-secret';
  stores[1]!['uri_path_prefix'] = '/tenant-a/';
  stores[1]!['xks_key_id_set'] = ['bad key'];
  let error: unknown;
  try {
    importAwsSampleSettings(doc, { sampleDir: SAMPLE_DIR });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof AwsSampleImportError);
  const expected = [
    /^server\.region: "Europe" is not a region name/,
    /^server\.service: "kms": KMS signs with the service name kms-xks-proxy/,
    /^server\.ciphertext_metadata_b64: 21 bytes, at most 20/,
    /^security\.is_mtls_enabled = true needs security\.is_tls_enabled = true/,
    /^--token-label: required for the PKCS#11 backend/,
    /^external_key_stores\[0\]\.sigv4_access_key_id: must be 20-30 chars/,
    /^external_key_stores\[0\]\.sigv4_secret_access_key: must be 43-64 chars/,
    /^external_key_stores\[1\]\.uri_path_prefix: "\/tenant-a\/" must be empty or \/segments/,
    /^external_key_stores\[1\]\.xks_key_id_set: "bad key": externalKeyId must be 1-128 chars/,
  ];
  for (const p of expected) assert.ok(error.problems.some((m) => p.test(m)), `missing ${p}:\n${error.problems.join('\n')}`);
  assert.equal(error.message.includes('too-short-secret'), false);
});

test('import: a wrong type in the sample\'s file -> its path and the expected type', () => {
  const doc = load('softhsmv2');
  (doc['server'] as Record<string, unknown>)['port'] = '8080';
  assert.throws(() => importAwsSampleSettings(doc, { sampleDir: SAMPLE_DIR, keyDirectory: '/k' }), (e: unknown) => e instanceof AwsSampleImportError && e.problems.some((p) => /^server\.port: .*expected number/i.test(p)));
});

test('import: the result of every variant, PKCS#11 or key files, is a valid configuration of this proxy', () => {
  for (const variant of ['softhsmv2', 'luna', 'nshield', 'cloudhsm']) {
    const prefixes = (load(variant)['external_key_stores'] as { uri_path_prefix: string }[]).map((x) => x.uri_path_prefix);
    for (const imported of [...prefixes.map((p) => pkcs11(variant, {}, p)), importAwsSampleSettings(load(variant), { sampleDir: SAMPLE_DIR, keyDirectory: '/srv/keys' })]) {
      const checked = configSchema.safeParse(imported.config);
      assert.equal(checked.success, true, `${variant}: ${JSON.stringify(checked.error?.issues)}`);
    }
  }
  const doc = load('softhsmv2');
  (doc['pkcs11'] as Record<string, unknown>)['session_pool_max_size'] = 0;
  assert.throws(() => importAwsSampleSettings(doc, { sampleDir: SAMPLE_DIR, tokenLabel: 't' }), /pkcs11\.session_pool_max_size: 0, expected 1-256/);
});
