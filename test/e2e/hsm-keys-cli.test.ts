/**
 * `xks keys` on a key store in a real SoftHSM2 token (docs/hsm.md "Keys"): create generates a token key that
 * pkcs11-tool (an independent tool) sees as sensitive and not extractable; list shows it beside a pkcs11-tool key,
 * with the configuration's overrides; disable, enable and rotate say what to do instead of touching the token.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { createTempProxyDir } from '../support/proxy-process.js';
import { runCli } from '../support/run-cli.js';
import { createSoftHsmToken, softHsmMissing } from '../support/softhsm.js';

const missing = softHsmMissing();

test('xks keys on a PKCS#11 store: create (C_GenerateKey, sensitive, not extractable), list with overrides; disable/enable/rotate explain', { skip: missing, timeout: 60_000 }, async () => {
  const token = createSoftHsmToken();
  process.env['SOFTHSM2_CONF'] = token.conf;
  const t = createTempProxyDir({ keys: [], storeConfig: { keyDirectory: undefined, pkcs11: token.configBlock(), keys: { 'from-tool': { keyStatus: 'DISABLED' } } } });
  const cli = (...args: string[]) => runCli(['keys', ...args, '--config', t.configPath], { cwd: t.dir });
  try {
    token.keygen('from-tool');
    const created = await cli('create', 'made-by-xks', '--usage', 'ENCRYPT');
    assert.equal(created.error, undefined, created.stderr);
    assert.match(created.stdout, /created made-by-xks in PKCS#11 token "xks-test" of key store e2e: AES-256, ENCRYPT, sensitive, not extractable/);
    const seen = execFileSync('pkcs11-tool', ['--module', token.module, '--token-label', token.tokenLabel, '--login', '--pin', token.pin, '--list-objects', '--type', 'secrkey'], { env: { ...process.env, SOFTHSM2_CONF: token.conf }, encoding: 'utf8' });
    const block = seen.slice(seen.indexOf('label:      made-by-xks'));
    assert.match(block, /Usage:\s+encrypt/);
    assert.doesNotMatch(block.split('Secret Key Object')[0] ?? '', /decrypt/);
    assert.match(block, /Access:\s+sensitive, always sensitive, never extractable, local/);

    assert.match((await cli('create', 'made-by-xks')).error?.message ?? '', /already exists in token xks-test/);

    const listed = await cli('list', '--json');
    assert.equal(listed.error, undefined, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), [
      { externalKeyId: 'from-tool', keyUsage: ['ENCRYPT', 'DECRYPT'], keyStatus: 'DISABLED', versions: [{ version: 1 }] },
      { externalKeyId: 'made-by-xks', keyUsage: ['ENCRYPT'], keyStatus: 'ENABLED', versions: [{ version: 1 }] },
    ]);
    const table = await cli('list');
    assert.match(table.stdout, /from-tool\s+DISABLED\s+ENCRYPT,DECRYPT\nmade-by-xks\s+ENABLED\s+ENCRYPT\n/);

    assert.match((await cli('disable', 'made-by-xks')).error?.message ?? '', /keyStatus lives in the configuration, not the token\. Add to the store \{"keys":\{"made-by-xks":\{"keyStatus":"DISABLED"/);
    assert.match((await cli('enable', 'from-tool')).error?.message ?? '', /"keyStatus":"ENABLED"/);
    assert.match((await cli('rotate', 'made-by-xks')).error?.message ?? '', /rotation is not done by the proxy on an HSM store: generate a new key under a new label/);
  } finally {
    t.cleanup();
    token.cleanup();
  }
});
