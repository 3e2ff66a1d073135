/**
 * The other half, end to end (docs/hsm.md): `xks kms --with-proxy --proxy-config <a pkcs11 store>` runs the KMS
 * emulator and the proxy in one process; the AWS CLI v2 (/usr/bin/aws) creates and connects a custom key store, makes
 * a KMS key on the SoftHSM key, and encrypts and decrypts through it; the console shows the store's key custody as
 * the HSM token.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTempProxyDir, startProxyProcess } from '../support/proxy-process.js';
import { createSoftHsmToken, softHsmMissing } from '../support/softhsm.js';
import { TEST_ACCESS_KEY_ID, TEST_SECRET } from '../support/test-app.js';

const AWS = '/usr/bin/aws';
const missing = softHsmMissing() ?? (existsSync(AWS) ? undefined : `${AWS} not installed (apt-get install awscli)`);

test('xks kms --with-proxy on a SoftHSM store: the AWS CLI creates, connects and uses a custom key store backed by the token', { skip: missing, timeout: 180_000 }, async () => {
  const token = createSoftHsmToken();
  token.keygen('hsm-key-1');
  const dir = createTempProxyDir({ keys: [], storeConfig: { keyDirectory: undefined, pkcs11: token.configBlock() } });
  const home = mkdtempSync(join(tmpdir(), 'kms-cli-'));
  const sandbox = await startProxyProcess(['kms', '--with-proxy', '--proxy-config', 'config.json', '--port', '0', '--state', ':memory:', '--connecting-ms', '100', '--disconnecting-ms', '50'], {
    cwd: dir.dir,
    env: token.env,
    ready: /kms emulator listening on (http:\/\/\S+)/,
  });
  const aws = (...args: string[]): Record<string, unknown> => {
    const r = spawnSync(AWS, ['kms', ...args, '--endpoint-url', sandbox.url, '--output', 'json'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: '/usr/bin:/bin', HOME: home, AWS_ACCESS_KEY_ID: 'AKIDCALLEREXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'), AWS_EC2_METADATA_DISABLED: 'true' },
    });
    assert.equal(r.status, 0, `aws kms ${args[0]}: ${r.stderr}`);
    return r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, unknown>);
  };
  try {
    const proxyUrl = /^proxy listening on (http:\/\/127\.0\.0\.1:\d+)/m.exec(sandbox.stderr())?.[1];
    assert.ok(proxyUrl !== undefined, sandbox.stderr());
    const id = String(
      aws('create-custom-key-store', '--custom-key-store-name', 'hsm', '--custom-key-store-type', 'EXTERNAL_KEY_STORE', '--xks-proxy-connectivity', 'PUBLIC_ENDPOINT',
        '--xks-proxy-uri-endpoint', proxyUrl, '--xks-proxy-uri-path', '/kms/xks/v1', '--xks-proxy-authentication-credential', `AccessKeyId=${TEST_ACCESS_KEY_ID},RawSecretAccessKey=${TEST_SECRET}`)['CustomKeyStoreId'],
    );
    aws('connect-custom-key-store', '--custom-key-store-id', id);
    let state = '';
    for (let i = 0; i < 100 && state !== 'CONNECTED' && state !== 'FAILED'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      state = String((aws('describe-custom-key-stores', '--custom-key-store-id', id)['CustomKeyStores'] as Record<string, unknown>[])[0]?.['ConnectionState']);
    }
    assert.equal(state, 'CONNECTED');
    // The console shows the store as HSM-backed, from the proxy's GetHealthStatus at connect (docs/console.md).
    const rows = await (await fetch(`${sandbox.url}/console/fragments/key-stores`)).text();
    assert.match(rows, new RegExp(`data-custody="hsm">HSM \\(PKCS#11\\)</span><br><small>SoftHSM project SoftHSM v2, token ${token.tokenLabel}</small>`), rows);
    const keyId = String((aws('create-key', '--origin', 'EXTERNAL_KEY_STORE', '--custom-key-store-id', id, '--xks-key-id', 'hsm-key-1')['KeyMetadata'] as Record<string, unknown>)['KeyId']);
    writeFileSync(join(home, 'plain'), 'kept in SoftHSM');
    const blob = String(aws('encrypt', '--key-id', keyId, '--plaintext', `fileb://${join(home, 'plain')}`)['CiphertextBlob']);
    writeFileSync(join(home, 'blob'), Buffer.from(blob, 'base64'));
    const plain = String(aws('decrypt', '--ciphertext-blob', `fileb://${join(home, 'blob')}`)['Plaintext']);
    assert.equal(Buffer.from(plain, 'base64').toString(), 'kept in SoftHSM');
    // The proxy's log is written in batches: wait for the Decrypt's line (up to 30 s, a hang guard).
    for (let i = 0; i < 300 && !/"operation":"Decrypt","keyStore":"e2e","externalKeyId":"hsm-key-1"/.test(sandbox.stdout()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(sandbox.stdout(), /"operation":"Decrypt","keyStore":"e2e","externalKeyId":"hsm-key-1"/);
    assert.ok(!readFileSync(join(home, 'blob')).includes(Buffer.from('kept in SoftHSM')));
  } finally {
    await sandbox.stop();
    dir.cleanup();
    token.cleanup();
    rmSync(home, { recursive: true, force: true });
  }
});
