/**
 * Issue "operator mistakes": the CLI cases. Each runs the `xks` program (the same command tree main.ts runs) and
 * checks the file system afterwards: nothing overwritten, deleted or created that the operator did not ask for.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureDevSetup } from '../../src/proxy/config/dev-setup.js';
import { secureRandomBytes } from '../../src/crypto/random.js';
import { serializeKeyFile } from '../../src/proxy/keystore/key-file.js';
import { createTempProxyDir } from '../support/proxy-process.js';
import { runCli } from '../support/run-cli.js';
import { testKey } from '../support/test-app.js';

const SECRET_LINE = /secret access key {3}([A-Za-z0-9/+=]{43,64})/;

/** Every file under `dir` with its content (to prove nothing changed). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[join(entry.parentPath, entry.name)] = readFileSync(join(entry.parentPath, entry.name), 'utf8');
  }
  return out;
}

test('credentials new --secret-file: an existing file (live secret, key file) is refused without --force; never inside a key directory; new files 0600', async () => {
  const t = createTempProxyDir({ keys: [testKey('k1', { versions: 5 })] });
  try {
    const env = { XKS_CONFIG: t.configPath };
    writeFileSync(join(t.dir, 'live-secret'), 'the live secret\n', { mode: 0o600 });
    const before = snapshot(t.dir);
    for (const [target, why] of [
      ['live-secret', /live-secret exists; pass --force/],
      ['keys/k1.json', /inside the key directory/],
      ['keys/new-secret', /inside the key directory/],
    ] as const) {
      const r = await runCli(['credentials', 'new', '--secret-file', target], { cwd: t.dir, env });
      assert.match(r.error?.message ?? '', why, target);
    }
    const forcedIntoKeys = await runCli(['credentials', 'new', '--secret-file', 'keys/k1.json', '--force'], { cwd: t.dir, env });
    assert.match(forcedIntoKeys.error?.message ?? '', /inside the key directory/, '--force never writes among the keys');
    assert.deepEqual(snapshot(t.dir), before, 'nothing written, nothing replaced');

    const fresh = await runCli(['credentials', 'new', '--secret-file', 'new-secret'], { cwd: t.dir, env });
    assert.equal(fresh.error, undefined, fresh.error?.message);
    assert.equal(readFileSync(join(t.dir, 'new-secret'), 'utf8').trim(), SECRET_LINE.exec(fresh.stdout)?.[1]);
    assert.equal(statSync(join(t.dir, 'new-secret')).mode & 0o777, 0o600);

    const forced = await runCli(['credentials', 'new', '--secret-file', 'live-secret', '--force'], { cwd: t.dir, env });
    assert.equal(forced.error, undefined, forced.error?.message);
    assert.equal(readFileSync(join(t.dir, 'live-secret'), 'utf8').trim(), SECRET_LINE.exec(forced.stdout)?.[1]);
    assert.equal(statSync(join(t.dir, 'live-secret')).mode & 0o777, 0o600);
    assert.equal(readdirSync(t.dir).filter((n) => n.endsWith('.tmp')).length, 0, 'no temporary file left');

    // A configuration that does not validate yet (its secret file is about to be written) still names its key directory.
    writeFileSync(t.configPath, JSON.stringify({ keyStores: [{ name: 'x', credentials: [{ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretFile: 'keys/s' }], keyDirectory: 'keys' }] }));
    const invalidConfig = await runCli(['credentials', 'new', '--secret-file', 'keys/s'], { cwd: t.dir, env });
    assert.match(invalidConfig.error?.message ?? '', /inside the key directory/);
  } finally {
    t.cleanup();
  }
});

test("key ids: xks keys refuses ids with a leading '.'; a key-holding file named like a lock survives the next write's sweep", async () => {
  const t = createTempProxyDir({ keys: [testKey('k1')] });
  try {
    const env = { XKS_CONFIG: t.configPath };
    for (const id of ['.hidden', '..', '.xks-keys.lock.1x']) {
      const r = await runCli(['keys', 'create', id], { cwd: t.dir, env });
      assert.match(r.error?.message ?? '', /must not start with '\.'/, id);
    }
    // As the old build left it: a key created under a lock-like name.
    const lockLike = join(t.keyDir, '.xks-keys.lock.1x');
    const text = serializeKeyFile(testKey('k9'));
    writeFileSync(lockLike, text, { mode: 0o600 });
    assert.equal((await runCli(['keys', 'create', 'k2'], { cwd: t.dir, env })).error, undefined);
    assert.equal((await runCli(['keys', 'rotate', 'k1'], { cwd: t.dir, env })).error, undefined);
    assert.equal(readFileSync(lockLike, 'utf8'), text, 'not swept');
    const list = await runCli(['keys', 'list', '--json'], { cwd: t.dir, env });
    assert.deepEqual((JSON.parse(list.stdout) as { externalKeyId: string }[]).map((k) => k.externalKeyId), ['k1', 'k2']);
  } finally {
    t.cleanup();
  }
});

test('configuration resolution: read-only commands in a directory without configuration create nothing and say so; export goes next to the configuration', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'xks-noconfig-'));
  for (const args of [['keys', 'list'], ['keys', 'show', 'dev-key-1'], ['status'], ['config', 'check'], ['config', 'export'], ['keys', 'create', 'k1']]) {
    const r = await runCli(args, { cwd, env: {} });
    assert.match(r.error?.message ?? '', /no configuration: pass --config FILE, set XKS_CONFIG, or run `xks serve` once/, args.join(' '));
  }
  assert.deepEqual(readdirSync(cwd), [], 'nothing created');

  // With the dev default present (as `xks serve` creates it), every command finds it; export writes next to it.
  ensureDevSetup(cwd, secureRandomBytes);
  const before = snapshot(cwd);
  const check = await runCli(['config', 'check'], { cwd, env: {} });
  assert.equal(check.error, undefined, check.error?.message);
  assert.match(check.stdout, /ok: .*keys\/dev\/config\.json/);
  assert.match((await runCli(['keys', 'list'], { cwd, env: {} })).stdout, /dev-key-1/);
  assert.deepEqual(snapshot(cwd), before, 'read-only commands changed nothing');
  const exported = await runCli(['config', 'export'], { cwd, env: {} });
  assert.equal(exported.error, undefined, exported.error?.message);
  assert.deepEqual(readdirSync(cwd), ['keys'], 'nothing in the working directory');
  assert.equal(statSync(join(cwd, 'keys/dev/xks-proxy-config-dev.json')).mode & 0o777, 0o600);
  assert.match((await runCli(['config', 'export', '--out', 'keys/dev/keys/x.json'], { cwd, env: {} })).error?.message ?? '', /inside the key directory/);
});
