/**
 * Helpers for the tests of the migration from AWS's sample proxy (docs/migrating-from-the-aws-sample.md): the
 * sample's ciphertexts computed with node:crypto from its formula (docs/keys.md, "Compatibility mode"), and the AWS
 * CLI v2 against the KMS emulator connecting an external key store to a proxy.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProxyProcess } from './proxy-process.js';

export const AWS_CLI = '/usr/bin/aws';

/** A Decrypt body for a ciphertext as the sample made it: GCM AAD = be16(len) || SHA-256(AAD) || u8(len(md)) || md (no AAD: be16(0) || u8(len(md)) || md). */
export function sampleCiphertext(key: Uint8Array, plaintext: string, aad: Buffer | undefined, md: Buffer): Record<string, string> {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(aad?.length ?? 0);
  const gcmAad = Buffer.concat([len, aad === undefined ? Buffer.alloc(0) : createHash('sha256').update(aad).digest(), Buffer.from([md.length]), md]);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(gcmAad);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    ciphertext: ciphertext.toString('base64'),
    initializationVector: iv.toString('base64'),
    authenticationTag: cipher.getAuthTag().toString('base64'),
    ...(md.length > 0 && { ciphertextMetadata: md.toString('base64') }),
    ...(aad !== undefined && { additionalAuthenticatedData: aad.toString('base64') }),
  };
}

/**
 * `xks kms` (the emulator) in `region`, and the AWS CLI v2 creating and connecting an external key store on the proxy
 * at `proxyUrl`, then CreateKey with `allowedKeyId` + an Encrypt/Decrypt round trip, and CreateKey with `refusedKeyId`
 * (XksKeyNotFoundException).
 */
export async function awsCliAgainstEmulator(options: {
  workDir: string;
  region: string;
  proxyUrl: string;
  uriPath: string;
  accessKeyId: string;
  secret: string;
  allowedKeyId: string;
  refusedKeyId: string;
}): Promise<void> {
  assert.ok(existsSync(AWS_CLI), `${AWS_CLI} not installed (apt-get install awscli)`);
  const { workDir } = options;
  const emulator = await startProxyProcess(['kms', '--port', '0', '--region', options.region, '--state', join(workDir, 'kms.sqlite'), '--allow-http-loopback', '--connecting-ms', '100', '--disconnecting-ms', '50', '--dns', 'static'], { cwd: workDir, timeoutMs: 60_000 });
  try {
    const env = {
      PATH: '/usr/bin:/bin',
      HOME: workDir,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      AWS_DEFAULT_REGION: options.region,
      AWS_CONFIG_FILE: join(workDir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'none'),
      AWS_PAGER: '',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const aws = (...args: string[]) => spawnSync(AWS_CLI, ['kms', ...args, '--endpoint-url', emulator.url, '--output', 'json'], { env, encoding: 'utf8', timeout: 60_000 });
    const ok = (...args: string[]): Record<string, unknown> => {
      const r = aws(...args);
      assert.equal(r.status, 0, `aws kms ${args[0]}\n${r.stderr}`);
      return r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, unknown>);
    };
    const created = ok('create-custom-key-store', '--custom-key-store-name', 'migrated', '--custom-key-store-type', 'EXTERNAL_KEY_STORE', '--xks-proxy-connectivity', 'PUBLIC_ENDPOINT', '--xks-proxy-uri-endpoint', options.proxyUrl, '--xks-proxy-uri-path', options.uriPath, '--xks-proxy-authentication-credential', `AccessKeyId=${options.accessKeyId},RawSecretAccessKey=${options.secret}`);
    const id = String(created['CustomKeyStoreId']);
    ok('connect-custom-key-store', '--custom-key-store-id', id);
    let state = '';
    for (let i = 0; i < 200 && state !== 'CONNECTED' && state !== 'FAILED'; i++) {
      const d = ok('describe-custom-key-stores', '--custom-key-store-id', id) as { CustomKeyStores: { ConnectionState: string }[] };
      state = d.CustomKeyStores[0]?.ConnectionState ?? '';
    }
    assert.equal(state, 'CONNECTED');
    const key = ok('create-key', '--origin', 'EXTERNAL_KEY_STORE', '--custom-key-store-id', id, '--xks-key-id', options.allowedKeyId) as { KeyMetadata: { KeyId: string } };
    const e = ok('encrypt', '--key-id', key.KeyMetadata.KeyId, '--plaintext', Buffer.from('through KMS').toString('base64'), '--encryption-context', 'app=orders');
    const blob = join(workDir, 'blob.bin');
    writeFileSync(blob, Buffer.from(String(e['CiphertextBlob']), 'base64'));
    const d = ok('decrypt', '--ciphertext-blob', `fileb://${blob}`, '--encryption-context', 'app=orders');
    assert.equal(Buffer.from(String(d['Plaintext']), 'base64').toString(), 'through KMS');
    const refused = aws('create-key', '--origin', 'EXTERNAL_KEY_STORE', '--custom-key-store-id', id, '--xks-key-id', options.refusedKeyId);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /XksKeyNotFoundException/);
  } finally {
    await emulator.stop();
  }
}
