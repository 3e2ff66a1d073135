import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../../../src/proxy/config/load-config.js';

const SECRET = 'FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE';
const files: Record<string, string> = { '/etc/xks/hsm-pin': '1234\n', '/etc/xks/empty-pin': '' };
const readFile = (p: string) => {
  const v = files[p];
  if (v === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  return v;
};
const store = (over: Record<string, unknown>, name = 's1', uriPrefix = '') => ({
  name,
  uriPrefix,
  regions: ['us-east-1'],
  credentials: [{ accessKeyId: name === 's1' ? 'AKIAI2SFODNN7EXAMPLE' : 'AKIAI2SFODNN7EXAMPLF', secretAccessKey: SECRET }],
  ...over,
});
const HSM = { module: '/usr/lib/softhsm/libsofthsm2.so', tokenLabel: 'xks', pinFile: 'hsm-pin' };
const parse = (stores: Record<string, unknown>[], env: Record<string, string> = {}) => parseConfig({ keyStores: stores }, { baseDir: '/etc/xks', source: 'test.json', readFile, env });

function problemsOf(stores: Record<string, unknown>[], env: Record<string, string> = {}): string {
  try {
    parse(stores, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.join('\n');
  }
  return assert.fail('expected a ConfigError');
}

test('config pkcs11: the block resolves (absolute module, PIN from its file, defaults); no keyDirectory', () => {
  const s = parse([store({ pkcs11: HSM })]).keyStores[0];
  assert.equal(s?.keyDirectory, undefined);
  assert.deepEqual(s?.pkcs11, { module: HSM.module, tokenLabel: 'xks', pin: '1234', pinSource: '/etc/xks/hsm-pin', ivGeneration: 'proxy', sessions: 32, threads: 2, callTimeoutMs: 200, keyCacheMs: 2000, sessionCopies: true });
  const fromEnv = parse([store({ pkcs11: { ...HSM, pinFile: undefined, pinEnv: 'HSM_PIN', ivGeneration: 'hsm-iv-after-tag' } })], { HSM_PIN: '5678' }).keyStores[0]?.pkcs11;
  assert.equal(fromEnv?.pin, '5678');
  assert.equal(fromEnv?.pinSource, '$HSM_PIN');
  assert.equal(fromEnv?.ivGeneration, 'hsm-iv-after-tag');
});

test('config pkcs11: both keyDirectory and pkcs11, or neither -> one problem each, saying which and why', () => {
  assert.match(problemsOf([store({ keyDirectory: 'keys', pkcs11: HSM })]), /keyStores\.0\.pkcs11: give either keyDirectory \(keys in files\) or pkcs11 \(keys in an HSM token\), not both/);
  assert.match(problemsOf([store({})]), /keyStores\.0\.keyDirectory: give keyDirectory \(keys in files\) or pkcs11 \(keys in an HSM token/);
});

test('config pkcs11: PIN problems name the field and never the PIN; a PIN in the config itself is refused', () => {
  assert.match(problemsOf([store({ pkcs11: { ...HSM, pinEnv: 'HSM_PIN' } })]), /keyStores\.0\.pkcs11: give exactly one of pinFile or pinEnv/);
  assert.match(problemsOf([store({ pkcs11: { ...HSM, pinFile: undefined } })]), /give exactly one of pinFile or pinEnv/);
  assert.match(problemsOf([store({ pkcs11: { ...HSM, pinFile: 'nope' } })]), /keyStores\.0\.pkcs11\.pinFile: cannot read \/etc\/xks\/nope \(ENOENT\)/);
  assert.match(problemsOf([store({ pkcs11: { ...HSM, pinFile: 'empty-pin' } })]), /keyStores\.0\.pkcs11\.pinFile: \/etc\/xks\/empty-pin is empty/);
  assert.match(problemsOf([store({ pkcs11: { ...HSM, pinFile: undefined, pinEnv: 'HSM_PIN' } })]), /keyStores\.0\.pkcs11\.pinEnv: environment variable HSM_PIN is not set or empty/);
  assert.match(problemsOf([store({ pkcs11: { ...HSM, pin: '1234' } })]), /keyStores\.0\.pkcs11: Unrecognized key: "pin"/);
  assert.ok(!problemsOf([store({ pkcs11: { ...HSM, ivGeneration: 'nope' } })]).includes('1234'));
});

test('config pkcs11: bad values -> problems naming each field; two stores on one library -> refused; keyEncryption with pkcs11 -> refused', () => {
  const p = problemsOf([store({ pkcs11: { ...HSM, tokenLabel: '', ivGeneration: 'hsm', sessions: 0, threads: 65, callTimeoutMs: 250 } })]);
  for (const field of ['tokenLabel', 'ivGeneration', 'sessions', 'threads', 'callTimeoutMs']) assert.match(p, new RegExp(`keyStores\\.0\\.pkcs11\\.${field}:`), field);
  assert.match(problemsOf([store({ pkcs11: HSM }), store({ pkcs11: { ...HSM, tokenLabel: 'other' } }, 's2', '/s2')]), /keyStores\.1\.pkcs11\.module: one key store per PKCS#11 library \(also used by keyStores\.0\)/);
  assert.match(problemsOf([store({ pkcs11: HSM, keyEncryption: { passphraseEnv: 'X' } })], { X: 'a long passphrase here' }), /keyStores\.0\.keyEncryption: keyEncryption applies to key files/);
});
