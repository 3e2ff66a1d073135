import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ACCESS_KEY_ID_PATTERN, SECRET_ACCESS_KEY_PATTERN } from '../../../src/proxy/config/config-schema.js';
import { createTempProxyDir } from '../../support/proxy-process.js';
import { runCli } from '../../support/run-cli.js';
import { TEST_ACCESS_KEY_ID, TEST_SECRET } from '../../support/test-app.js';

test('xks config export: spec A18 JSON in a 0600 file, secret not on stdout; refuses to overwrite without --force; default next to the configuration; never into a key directory', async () => {
  const t = createTempProxyDir({ keys: [], uriPrefix: '/keystores/tenant-a' });
  try {
    const env = { XKS_CONFIG: t.configPath };
    const first = await runCli(['config', 'export', '--store', 'e2e', '--out', 'kms.json'], { cwd: t.dir, env });
    assert.equal(first.error, undefined, first.error?.message);
    const file = join(t.dir, 'kms.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const exported = JSON.parse(readFileSync(file, 'utf8')) as { XksProxyUriPath: string; XksProxyAuthenticationCredential: { AccessKeyId: string; RawSecretAccessKey: string } };
    assert.deepEqual(Object.keys(exported), ['XksProxyUriPath', 'XksProxyAuthenticationCredential']);
    assert.equal(exported.XksProxyUriPath, '/keystores/tenant-a/kms/xks/v1');
    assert.match(exported.XksProxyUriPath, /^(\/[a-zA-Z0-9/_-]+\/kms\/xks\/v\d{1,2})$|^(\/kms\/xks\/v\d{1,2})$/, 'KMS API pattern (spec A2)');
    assert.deepEqual(exported.XksProxyAuthenticationCredential, { AccessKeyId: TEST_ACCESS_KEY_ID, RawSecretAccessKey: TEST_SECRET });
    assert.match(exported.XksProxyAuthenticationCredential.AccessKeyId, ACCESS_KEY_ID_PATTERN);
    assert.match(exported.XksProxyAuthenticationCredential.RawSecretAccessKey, SECRET_ACCESS_KEY_PATTERN);
    assert.ok(!first.stdout.includes(TEST_SECRET) && !first.stderr.includes(TEST_SECRET), 'the secret is only in the file');
    assert.match(first.stdout, /wrote .*kms\.json \(mode 600\)/);

    const again = await runCli(['config', 'export', '--out', 'kms.json'], { cwd: t.dir, env });
    assert.match(again.error?.message ?? '', /exists; pass --force/);
    const forced = await runCli(['config', 'export', '--out', 'kms.json', '--force'], { cwd: t.dir, env });
    assert.equal(forced.error, undefined);
    assert.equal(statSync(file).mode & 0o777, 0o600);

    // Default: next to the configuration file, never the working directory.
    const elsewhere = mkdtempSync(join(tmpdir(), 'xks-cwd-'));
    const defaultName = await runCli(['config', 'export'], { cwd: elsewhere, env });
    assert.equal(defaultName.error, undefined, defaultName.error?.message);
    assert.equal(statSync(join(t.dir, 'xks-proxy-config-e2e.json')).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(elsewhere), []);
    // Never inside a key directory: a *.json there would be loaded as a broken key file.
    const intoKeys = await runCli(['config', 'export', '--out', 'keys/kms.json'], { cwd: t.dir, env });
    assert.match(intoKeys.error?.message ?? '', /inside the key directory/);
    assert.deepEqual(readdirSync(t.keyDir), []);

    const stdout = await runCli(['config', 'export', '--stdout'], { cwd: t.dir, env });
    assert.equal((JSON.parse(stdout.stdout) as typeof exported).XksProxyAuthenticationCredential.RawSecretAccessKey, TEST_SECRET);
    assert.match((await runCli(['config', 'export', '--store', 'nope'], { cwd: t.dir, env })).error?.message ?? '', /no key store named nope/);
    assert.match((await runCli(['config', 'export', '--credential', 'AAAAAAAAAAAAAAAAAAAA'], { cwd: t.dir, env })).error?.message ?? '', /no credential AAAA/);
  } finally {
    t.cleanup();
  }
});
