import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureDevSetup, findDevSetup, markDevSecretShown } from '../../../../src/proxy/config/dev-setup.js';
import { loadConfigFile } from '../../../../src/proxy/config/load-config.js';
import { secureRandomBytes } from '../../../../src/crypto/random.js';
import { writeFileAtomic } from '../../../../src/proxy/keystore/atomic-write.js';
import { KeyFileError, parseKeyFile, serializeKeyFile } from '../../../../src/proxy/keystore/key-file.js';
import { loadKeyDirectory } from '../../../../src/proxy/keystore/load-key-directory.js';
import { applyKeyOverrides } from '../../../../src/proxy/http/proxy-runtime.js';
import { createMemoryKeyStore } from '../../../../src/proxy/keystore/key-store.js';
import { testKey } from '../../../support/test-app.js';
import { testTempDir } from '../../../support/temp-dir.js';

const tmp = () => testTempDir('xks-keys-');

test('key file: serialize -> parse round-trips every field', () => {
  const key = testKey('k-1', { usage: ['DECRYPT'], status: 'DISABLED', versions: 3 });
  const back = parseKeyFile(serializeKeyFile(key));
  assert.equal(back.externalKeyId, 'k-1');
  assert.deepEqual(back.keyUsage, ['DECRYPT']);
  assert.equal(back.keyStatus, 'DISABLED');
  assert.deepEqual(back.versions.map((v) => v.version), [1, 2, 3]);
  assert.deepEqual(back.versions[2]?.material, key.versions[2]?.material);
});

test('key file: hostile rows -> KeyFileError naming the problem, never the material', () => {
  const good = JSON.parse(serializeKeyFile(testKey('k'))) as Record<string, unknown>;
  const material = (good.versions as { material: string }[])[0]?.material ?? '';
  const rows: [string, string, RegExp][] = [
    ['not JSON', '{', /not valid JSON/],
    ['unknown format', JSON.stringify({ ...good, format: 'xks-key/9' }), /unknown format/],
    ['no format', JSON.stringify({ ...good, format: undefined }), /unknown format/],
    ['bad id', JSON.stringify({ ...good, externalKeyId: 'a/b' }), /externalKeyId/],
    ['short material', JSON.stringify({ ...good, versions: [{ version: 1, material: material.slice(0, 40) }] }), /material/],
    ['url-safe material', JSON.stringify({ ...good, versions: [{ version: 1, material: material.replace(/\+/g, '-').replace(/\//g, '_').replace(/=$/, '') }] }), /material/],
    ['no versions', JSON.stringify({ ...good, versions: [] }), /versions/],
    ['descending versions', JSON.stringify({ ...good, versions: [{ version: 2, material }, { version: 1, material }] }), /ascend/],
    ['bad usage', JSON.stringify({ ...good, keyUsage: ['SIGN'] }), /keyUsage/],
    ['duplicate usage', JSON.stringify({ ...good, keyUsage: ['ENCRYPT', 'ENCRYPT'] }), /duplicates/],
    ['unknown field', JSON.stringify({ ...good, extra: 1 }), /extra|Unrecognized/i],
  ];
  for (const [name, text, pattern] of rows) {
    assert.throws(() => parseKeyFile(text), (e: unknown) => e instanceof KeyFileError && pattern.test(e.message) && !e.message.includes(material.slice(0, 16)), name);
  }
});

test('key directory: a corrupt file is reported by name and the others still load', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'good.json'), serializeKeyFile(testKey('good')), { mode: 0o600 });
  writeFileSync(join(dir, 'bad.json'), '{"format":"xks-key/1"', { mode: 0o600 });
  writeFileSync(join(dir, 'renamed.json'), serializeKeyFile(testKey('other-id')), { mode: 0o600 });
  writeFileSync(join(dir, 'notes.txt'), 'ignored');
  const { store } = loadKeyDirectory(dir);
  assert.deepEqual(store.listKeys().map((k) => k.externalKeyId), ['good']);
  assert.equal(store.problems.length, 2);
  assert.ok(store.problems.some((p) => p.file.endsWith('bad.json') && /not valid JSON/.test(p.message)));
  assert.ok(store.problems.some((p) => p.file.endsWith('renamed.json') && /does not match/.test(p.message)));
  assert.equal(store.available, true);
});

test('key directory: unreadable directory -> unavailable store; wide permissions -> warning', () => {
  const missing = loadKeyDirectory(join(tmp(), 'nope'));
  assert.equal(missing.store.available, false);
  const dir = tmp();
  writeFileSync(join(dir, 'k.json'), serializeKeyFile(testKey('k')));
  chmodSync(join(dir, 'k.json'), 0o644);
  const { warnings, store } = loadKeyDirectory(dir);
  assert.equal(store.listKeys().length, 1);
  assert.match(warnings[0]?.message ?? '', /644/);
});

test('key overrides: config status/usage win over the key file', () => {
  const store = applyKeyOverrides(createMemoryKeyStore([testKey('a'), testKey('b')]), { a: { keyStatus: 'DISABLED' }, b: { keyUsage: [] } });
  assert.equal(store.getKey('a')?.keyStatus, 'DISABLED');
  assert.deepEqual(store.getKey('a')?.keyUsage, ['ENCRYPT', 'DECRYPT']);
  assert.deepEqual(store.getKey('b')?.keyUsage, []);
  assert.equal(store.getKey('b')?.keyStatus, 'ENABLED');
});

test('atomic write: replaces content, mode 0600, leaves no temporary file', () => {
  const dir = tmp();
  const file = join(dir, 'f.json');
  writeFileAtomic(file, 'one');
  writeFileAtomic(file, 'two');
  assert.equal(readFileSync(file, 'utf8'), 'two');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.includes('.tmp')),
    [],
  );
});


test('dev setup: first call generates 0600 secret, keys and config; later calls reuse them; the secret is offered until marked shown', () => {
  const root = tmp();
  assert.equal(findDevSetup(root), undefined, 'nothing there yet');
  assert.deepEqual(readdirSync(root), [], 'looking creates nothing');
  const first = ensureDevSetup(root, secureRandomBytes);
  assert.equal(first.created, true);
  assert.ok(first.secretToShow !== undefined && /^[A-Za-z0-9/+=]{43,64}$/.test(first.secretToShow));
  for (const f of [first.configPath, first.secretPath, join(root, 'keys/dev/keys/dev-key-1.json')]) {
    assert.equal(statSync(f).mode & 0o777, 0o600, f);
  }
  const config = loadConfigFile(first.configPath);
  assert.equal(config.listen.host, '127.0.0.1');
  assert.equal(config.keyStores[0]?.credentials[0]?.secretAccessKey, first.secretToShow);
  assert.match(config.keyStores[0]?.credentials[0]?.accessKeyId ?? '', /^[A-Z2-7]{20}$/);
  const keysBefore = readFileSync(join(root, 'keys/dev/keys/dev-key-1.json'), 'utf8');
  const second = ensureDevSetup(root, secureRandomBytes);
  assert.equal(second.created, false);
  assert.equal(second.secretToShow, first.secretToShow, 'not shown by a start that listened yet: offered again');
  markDevSecretShown(second);
  assert.equal(ensureDevSetup(root, secureRandomBytes).secretToShow, undefined);
  assert.equal(loadConfigFile(second.configPath).keyStores[0]?.credentials[0]?.secretAccessKey, first.secretToShow);
  assert.equal(readFileSync(join(root, 'keys/dev/keys/dev-key-1.json'), 'utf8'), keysBefore);
  assert.deepEqual(loadKeyDirectory(join(root, 'keys/dev/keys')).store.listKeys().map((k) => k.externalKeyId).sort(), ['dev-key-1', 'dev-key-disabled', 'dev-key-encrypt-only']);
  unlinkSync(join(root, 'keys/dev/keys/dev-key-1.json'));
  ensureDevSetup(root, secureRandomBytes);
  assert.equal(existsSync(join(root, 'keys/dev/keys/dev-key-1.json')), false, 'a dev key deleted on purpose is not brought back');
});

test('key file: a version that does not fit the uint32 of ciphertextMetadata is refused (it would encrypt what never decrypts)', () => {
  const key = testKey('big');
  const text = serializeKeyFile({ ...key, versions: [{ ...key.versions[0]!, version: 2 ** 32 + 1 }] });
  assert.throws(() => parseKeyFile(text), (e: unknown) => e instanceof KeyFileError && /versions\.0\.version/.test(e.message));
  const max = serializeKeyFile({ ...key, versions: [{ ...key.versions[0]!, version: 2 ** 32 - 1 }] });
  assert.equal(parseKeyFile(max).versions[0]?.version, 2 ** 32 - 1);
});
