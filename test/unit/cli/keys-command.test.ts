import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeBase64 } from '../../../src/crypto/base64.js';
import { createKeyCodecRegistry } from '../../../src/proxy/keystore/key-codec-registry.js';
import { loadKeyDirectory } from '../../../src/proxy/keystore/load-key-directory.js';
import { createTempProxyDir } from '../../support/proxy-process.js';
import { runCli } from '../../support/run-cli.js';
import { testKey, testMaterial } from '../../support/test-app.js';

function materialsIn(dir: string): string[] {
  return loadKeyDirectory(dir).store.listKeys().flatMap((k) => k.versions.map((v) => encodeBase64(v.material)));
}

test('xks keys create/list/show: 0600 file, metadata only, duplicate refused', async () => {
  const t = createTempProxyDir({ keys: [testKey('existing')] });
  try {
    const env = { XKS_CONFIG: t.configPath };
    const created = await runCli(['keys', 'create', 'new-key', '--usage', 'encrypt'], { cwd: t.dir, env });
    assert.equal(created.error, undefined, created.stderr);
    assert.match(created.stdout, /created new-key in key store e2e: ENABLED, ENCRYPT, current version 1/);
    assert.match(created.stderr, /key directory watch/);
    assert.equal(statSync(join(t.keyDir, 'new-key.json')).mode & 0o777, 0o600);

    const list = await runCli(['keys', 'list'], { cwd: t.dir, env });
    assert.match(list.stdout, /^EXTERNAL KEY ID +STATUS +USAGE/);
    assert.match(list.stdout, /existing +ENABLED +ENCRYPT,DECRYPT +v1/);
    assert.match(list.stdout, /new-key +ENABLED +ENCRYPT +v1/);

    const show = await runCli(['keys', 'show', 'new-key', '--json'], { cwd: t.dir, env });
    const shown = JSON.parse(show.stdout) as Record<string, unknown>;
    assert.equal(shown.externalKeyId, 'new-key');
    assert.equal(shown.currentVersion, 1);
    assert.deepEqual(Object.keys(shown).filter((k) => /material/i.test(k)), []);

    const dup = await runCli(['keys', 'create', 'new-key'], { cwd: t.dir, env });
    assert.match(dup.error?.message ?? '', /already exists/);
    const badId = await runCli(['keys', 'create', 'a/b'], { cwd: t.dir, env });
    assert.match(badId.error?.message ?? '', /invalid externalKeyId/);

    for (const m of materialsIn(t.keyDir)) {
      for (const out of [created, list, show, dup]) assert.ok(!out.stdout.includes(m) && !out.stderr.includes(m), 'material never printed');
    }
  } finally {
    t.cleanup();
  }
});

test('xks keys import: raw or base64 material from a file or env var; wrong size refused', async () => {
  const t = createTempProxyDir({ keys: [] });
  try {
    const env = { XKS_CONFIG: t.configPath, IMPORT_ME: encodeBase64(testMaterial('env')) };
    writeFileSync(join(t.dir, 'raw.bin'), testMaterial('raw'));
    writeFileSync(join(t.dir, 'b64.txt'), `${encodeBase64(testMaterial('b64'))}\n`);
    writeFileSync(join(t.dir, 'short.bin'), testMaterial('x').subarray(0, 16));
    for (const [id, args] of [
      ['from-raw', ['--material-file', 'raw.bin']],
      ['from-b64', ['--material-file', 'b64.txt']],
      ['from-env', ['--material-env', 'IMPORT_ME']],
    ] as const) {
      const r = await runCli(['keys', 'import', id, ...args], { cwd: t.dir, env });
      assert.equal(r.error, undefined, r.error?.message);
    }
    const store = loadKeyDirectory(t.keyDir).store;
    assert.deepEqual(store.getKey('from-raw')?.versions[0]?.material, testMaterial('raw'));
    assert.deepEqual(store.getKey('from-b64')?.versions[0]?.material, testMaterial('b64'));
    assert.deepEqual(store.getKey('from-env')?.versions[0]?.material, testMaterial('env'));
    const short = await runCli(['keys', 'import', 'short', '--material-file', 'short.bin'], { cwd: t.dir, env });
    assert.match(short.error?.message ?? '', /expected 32 raw bytes/);
    const none = await runCli(['keys', 'import', 'none'], { cwd: t.dir, env });
    assert.match(none.error?.message ?? '', /exactly one of --material-file or --material-env/);
  } finally {
    t.cleanup();
  }
});

test('xks keys enable/disable/set-usage/rotate: the file changes, versions are kept', async () => {
  const t = createTempProxyDir({ keys: [testKey('k1')] });
  try {
    const env = { XKS_CONFIG: t.configPath };
    const run = (args: string[]) => runCli(['keys', ...args], { cwd: t.dir, env });
    assert.match((await run(['disable', 'k1'])).stdout, /disabled k1 .*DISABLED/);
    assert.equal(loadKeyDirectory(t.keyDir).store.getKey('k1')?.keyStatus, 'DISABLED');
    assert.match((await run(['enable', 'k1'])).stdout, /enabled k1 .*ENABLED/);
    assert.equal(loadKeyDirectory(t.keyDir).store.getKey('k1')?.keyStatus, 'ENABLED');
    await run(['set-usage', 'k1', 'DECRYPT']);
    assert.deepEqual(loadKeyDirectory(t.keyDir).store.getKey('k1')?.keyUsage, ['DECRYPT']);
    await run(['set-usage', 'k1', 'none']);
    assert.deepEqual(loadKeyDirectory(t.keyDir).store.getKey('k1')?.keyUsage, []);
    assert.match((await run(['set-usage', 'k1', 'SIGN'])).error?.message ?? '', /unknown key usage/);
    const before = loadKeyDirectory(t.keyDir).store.getKey('k1')?.versions[0]?.material;
    assert.match((await run(['rotate', 'k1'])).stdout, /rotated k1 .*current version 2/);
    assert.match((await run(['rotate', 'k1'])).stdout, /current version 3/);
    const after = loadKeyDirectory(t.keyDir).store.getKey('k1');
    assert.deepEqual(after?.versions.map((v) => v.version), [1, 2, 3]);
    assert.deepEqual(after?.versions[0]?.material, before);
    assert.notDeepEqual(after?.versions[2]?.material, before);
    const show = await run(['show', 'k1']);
    assert.match(show.stdout, /current version 3/);
    assert.match(show.stdout, /version 1 +created/);
    assert.match((await run(['rotate', 'missing'])).error?.message ?? '', /no key missing/);
    assert.deepEqual(readdirSync(t.keyDir).filter((n) => n.startsWith('.')), [], 'no lock or temporary file left');
  } finally {
    t.cleanup();
  }
});

test('xks keys delete: refused without --force (file kept); with --force removed and warned', async () => {
  const t = createTempProxyDir({ keys: [testKey('k1')] });
  try {
    const env = { XKS_CONFIG: t.configPath };
    const refused = await runCli(['keys', 'delete', 'k1'], { cwd: t.dir, env });
    assert.match(refused.error?.message ?? '', /refusing to delete without --force.*undecryptable/);
    assert.ok(existsSync(join(t.keyDir, 'k1.json')));
    const forced = await runCli(['keys', 'delete', 'k1', '--force'], { cwd: t.dir, env });
    assert.equal(forced.error, undefined);
    assert.match(forced.stderr, /WARNING: deleting k1 .*undecryptable/);
    assert.ok(!existsSync(join(t.keyDir, 'k1.json')));
    assert.match((await runCli(['keys', 'delete', 'k1', '--force'], { cwd: t.dir, env })).error?.message ?? '', /no key k1/);
  } finally {
    t.cleanup();
  }
});

test('xks keys encrypt-at-rest / decrypt-at-rest with a passphrase from the environment', async () => {
  const t = createTempProxyDir({
    keys: [testKey('k1'), testKey('k2', { versions: 2 })],
    extraConfig: {},
  });
  try {
    const config = JSON.parse(readFileSync(t.configPath, 'utf8')) as { keyStores: Record<string, unknown>[] };
    const store = config.keyStores[0] ?? {};
    store.keyEncryption = { passphraseEnv: 'XKS_TEST_PASSPHRASE' };
    writeFileSync(t.configPath, JSON.stringify(config));
    const env = { XKS_CONFIG: t.configPath, XKS_TEST_PASSPHRASE: 'correct horse battery staple' };
    const materials = materialsIn(t.keyDir);

    const missingEnv = await runCli(['keys', 'list'], { cwd: t.dir, env: { XKS_CONFIG: t.configPath } });
    assert.match(missingEnv.error?.message ?? '', /passphraseEnv: environment variable XKS_TEST_PASSPHRASE is not set/);

    const list = await runCli(['keys', 'list'], { cwd: t.dir, env });
    assert.match(list.stderr, /not encrypted at rest; run `xks keys encrypt-at-rest`/);
    const wrapped = await runCli(['keys', 'encrypt-at-rest'], { cwd: t.dir, env });
    assert.equal(wrapped.error, undefined, wrapped.error?.message);
    assert.match(wrapped.stdout, /wrapped 2 key file\(s\)/);
    for (const name of ['k1.json', 'k2.json']) {
      const text = readFileSync(join(t.keyDir, name), 'utf8');
      assert.match(text, /"format": "xks-key-wrapped\/1"/);
      for (const m of materials) assert.ok(!text.includes(m), 'material not in the wrapped file');
      assert.equal(statSync(join(t.keyDir, name)).mode & 0o777, 0o600);
    }
    // Without the KEK the loader names the file and says why; with it, everything loads.
    const plainLoad = loadKeyDirectory(t.keyDir).store;
    assert.equal(plainLoad.listKeys().length, 0);
    assert.match(plainLoad.problems[0]?.message ?? '', /encrypted at rest .* no keyEncryption configured/);
    const wrongPass = createKeyCodecRegistry().codecFor({ name: 'x', keyEncryption: { kind: 'passphrase', passphrase: 'wrong passphrase!!', source: 'test' } });
    assert.match(loadKeyDirectory(t.keyDir, { codec: wrongPass }).store.problems[0]?.message ?? '', /wrong passphrase\/KEK/);
    const codec = createKeyCodecRegistry().codecFor({ name: 'x', keyEncryption: { kind: 'passphrase', passphrase: env.XKS_TEST_PASSPHRASE, source: 'test' } });
    const loaded = loadKeyDirectory(t.keyDir, { codec });
    assert.deepEqual(loaded.store.problems, []);
    assert.deepEqual(loaded.warnings, []);
    assert.deepEqual(loaded.store.listKeys().flatMap((k) => k.versions.map((v) => encodeBase64(v.material))).sort(), [...materials].sort());

    // Commands work on wrapped files: rotate keeps them wrapped.
    assert.match((await runCli(['keys', 'rotate', 'k1'], { cwd: t.dir, env })).stdout, /current version 2/);
    assert.match(readFileSync(join(t.keyDir, 'k1.json'), 'utf8'), /xks-key-wrapped\/1/);
    assert.match((await runCli(['keys', 'create', 'k3'], { cwd: t.dir, env })).stdout, /created k3/);
    assert.match(readFileSync(join(t.keyDir, 'k3.json'), 'utf8'), /xks-key-wrapped\/1/);

    const unwrapped = await runCli(['keys', 'decrypt-at-rest'], { cwd: t.dir, env });
    assert.equal(unwrapped.error, undefined, unwrapped.error?.message);
    assert.deepEqual(loadKeyDirectory(t.keyDir).store.problems, []);
    assert.equal(loadKeyDirectory(t.keyDir).store.getKey('k1')?.versions.length, 2);
    for (const out of [list, wrapped, unwrapped]) assert.ok(!out.stdout.includes(env.XKS_TEST_PASSPHRASE) && !out.stderr.includes(env.XKS_TEST_PASSPHRASE));
  } finally {
    t.cleanup();
  }
});
