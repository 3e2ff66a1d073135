/**
 * docs/hsm.md "SoftHSM in three commands": the page's three commands, run as written (sh, in a fresh directory with
 * its own SOFTHSM2_CONF), then the page's configuration served by `xks serve`: the key the second command made is
 * served, and `xks config check` says the store keeps its keys in the token.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { extractFences } from '../docs/markdown.js';
import { REPO_ROOT, startProxyProcess } from '../support/proxy-process.js';
import { runCli } from '../support/run-cli.js';
import { softHsmMissing } from '../support/softhsm.js';
import { kmsMetadata, TEST_SECRET } from '../support/test-app.js';
import { signedXksRequest } from '../support/tls-client.js';

const missing = softHsmMissing();

test('docs/hsm.md: the three SoftHSM commands and the configuration, as written -> hsm-key-1 served', { skip: missing, timeout: 120_000 }, async () => {
  const page = readFileSync(join(REPO_ROOT, 'docs', 'hsm.md'), 'utf8');
  const section = page.slice(page.indexOf('## SoftHSM in three commands'), page.indexOf('## Configuration'));
  const fences = extractFences(section);
  const commands = fences.find((f) => f.lang === 'sh')?.body.split('\n').filter((l) => l.trim() !== '') ?? [];
  const configJson = fences.find((f) => f.lang === 'json')?.body;
  assert.equal(commands.length, 3, 'three commands');
  assert.ok(configJson !== undefined);

  const dir = mkdtempSync(join(tmpdir(), 'xks-hsm-docs-'));
  try {
    mkdirSync(join(dir, 'tokens'));
    const conf = join(dir, 'softhsm2.conf');
    writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
    const env = { ...process.env, SOFTHSM2_CONF: conf };
    const outputs = commands.map((c) => execFileSync('sh', ['-c', c], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    assert.match(outputs[0] ?? '', /initialized/);
    assert.match(outputs[1] ?? '', /Key generated:\s+Secret Key Object; AES length 32\s+label:\s+hsm-key-1/);

    const config = JSON.parse(configJson) as { keyStores: Record<string, unknown>[] };
    writeFileSync(join(dir, 'secret'), `${TEST_SECRET}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, listen: { host: '127.0.0.1', port: 0 } }));
    const check = await runCli(['config', 'check', '--config', join(dir, 'config.json')], { cwd: dir });
    assert.equal(check.error, undefined, check.stderr);
    assert.match(check.stdout, /key store hsm: \/kms\/xks\/v1, 1 credential\(s\), keys in PKCS#11 token "xks" through \/usr\/lib\/softhsm\/libsofthsm2\.so \(pkcs11, not keyDirectory\)/);

    const proxy = await startProxyProcess(['serve', '--config', join(dir, 'config.json')], { env: { SOFTHSM2_CONF: conf } });
    try {
      const body = { requestMetadata: kmsMetadata('Encrypt'), plaintext: Buffer.from('from the docs').toString('base64'), encryptionAlgorithm: 'AES_GCM' };
      const res = await signedXksRequest(proxy.url, '/kms/xks/v1/keys/hsm-key-1/encrypt', body);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const meta = await signedXksRequest(proxy.url, '/kms/xks/v1/keys/hsm-key-1/metadata', { requestMetadata: kmsMetadata('DescribeKey') });
      assert.deepEqual(meta.body, { keySpec: 'AES_256', keyUsage: ['ENCRYPT', 'DECRYPT'], keyStatus: 'ENABLED' });
    } finally {
      await proxy.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
