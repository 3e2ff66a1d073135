import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../../../src/proxy/config/load-config.js';

const SECRET = 'FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE';
const KEK = 'q83vEjRWeJC6ze8SNFZ4kLrN7xI0VniQus3vEjRWeJA=';
const files: Record<string, string> = { '/etc/xks/pass': 'a long passphrase here\n', '/etc/xks/short': 'short\n', '/etc/xks/kek': `${KEK}\n`, '/etc/xks/badkek': 'AAAA\n' };
const readFile = (p: string) => {
  const v = files[p];
  if (v === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  return v;
};
const store = (over: Record<string, unknown>) => ({
  name: 's1',
  uriPrefix: '',
  regions: ['us-east-1'],
  credentials: [{ accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretAccessKey: SECRET }],
  keyDirectory: 'keys',
  ...over,
});
const parse = (over: Record<string, unknown>, env: Record<string, string> = {}) =>
  parseConfig({ keyStores: [store(over)] }, { baseDir: '/etc/xks', source: 'test.json', readFile, env });

function problemsOf(over: Record<string, unknown>, env: Record<string, string> = {}): string {
  try {
    parse(over, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.join('\n');
  }
  return assert.fail('expected a ConfigError');
}

test('config keyEncryption: passphraseEnv / passphraseFile / kekFile resolve to the secret; compat and healthCheck default', () => {
  const fromEnv = parse({ keyEncryption: { passphraseEnv: 'XKS_PASS' } }, { XKS_PASS: 'a long passphrase here' }).keyStores[0];
  assert.deepEqual(fromEnv?.keyEncryption, { kind: 'passphrase', passphrase: 'a long passphrase here', source: '$XKS_PASS' });
  assert.deepEqual(parse({ keyEncryption: { passphraseFile: 'pass' } }).keyStores[0]?.keyEncryption, {
    kind: 'passphrase',
    passphrase: 'a long passphrase here',
    source: '/etc/xks/pass',
  });
  assert.deepEqual(parse({ keyEncryption: { kekFile: 'kek' } }).keyStores[0]?.keyEncryption, { kind: 'kek', kek: KEK, source: '/etc/xks/kek' });
  const plain = parse({});
  assert.equal(plain.keyStores[0]?.keyEncryption, undefined);
  assert.deepEqual(plain.keyStores[0]?.compat, { sha256Aad: false });
  assert.deepEqual(plain.healthCheck, { intervalMs: 15_000, maxAgeMs: 60_000, slowMs: 100 });
  assert.deepEqual(parse({ compat: { sha256Aad: true } }).keyStores[0]?.compat, { sha256Aad: true });
});

test('config keyEncryption: every problem reported, naming the variable or file, never the value', () => {
  assert.match(problemsOf({ keyEncryption: {} }), /exactly one of passphraseEnv, passphraseFile or kekFile/);
  assert.match(problemsOf({ keyEncryption: { passphraseEnv: 'A', kekFile: 'kek' } }), /exactly one/);
  assert.match(problemsOf({ keyEncryption: { passphraseEnv: 'XKS_PASS' } }), /environment variable XKS_PASS is not set or empty/);
  const short = problemsOf({ keyEncryption: { passphraseFile: 'short' } });
  assert.match(short, /shorter than 12 characters/);
  assert.ok(!short.includes('short\n') && !/: short$/.test(short));
  assert.match(problemsOf({ keyEncryption: { passphraseFile: 'nope' } }), /cannot read \/etc\/xks\/nope \(ENOENT\)/);
  assert.match(problemsOf({ keyEncryption: { kekFile: 'badkek' } }), /must hold standard base64 of 32 bytes/);
  assert.match(problemsOf({ keyEncryption: { passphraseEnv: 'XKS_PASS' } }, { XKS_PASS: 'tiny' }), /shorter than 12/);
  assert.match(problemsOf({ compat: { sha256Aad: 'yes' } }), /compat\.sha256Aad/);
});
