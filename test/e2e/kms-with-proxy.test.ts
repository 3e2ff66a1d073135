/**
 * End to end: `xks kms --with-proxy` starts the real proxy and the emulator in one process; a store created from
 * what it prints connects and serves crypto. Started with `--credential`, so the emulator's own SigV4 check is
 * exercised by real signers: @aws-sdk/client-kms and the AWS CLI v2 (/usr/bin/aws).
 */
import { CreateKeyCommand, DecryptCommand, DescribeCustomKeyStoresCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTempProxyDir, startProxyProcess, type ProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { TEST_SECRET, testKey } from '../support/test-app.js';
import { connectAndSettle, createPublicStore } from '../support/kms-harness.js';

const AWS = '/usr/bin/aws';
const CALLER = { accessKeyId: 'AKIDCALLEREXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const PRINCIPAL = 'arn:aws:iam::111122223333:role/sandbox';
const OTHER_SECRET = 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz';

describe('e2e: xks kms --with-proxy --credential', { timeout: 60_000 }, () => {
  let dir: TempProxyDir;
  let sandbox: ProxyProcess;
  const clients: KMSClient[] = [];
  const client = (secretAccessKey: string): KMSClient => {
    const c = new KMSClient({ endpoint: sandbox.url, region: 'us-east-1', credentials: { accessKeyId: CALLER.accessKeyId, secretAccessKey }, maxAttempts: 1 });
    clients.push(c);
    return c;
  };

  before(async () => {
    dir = createTempProxyDir({ keys: [testKey('key-1')] });
    sandbox = await startProxyProcess(
      ['kms', '--with-proxy', '--proxy-config', 'config.json', '--port', '0', '--state', ':memory:', '--connecting-ms', '100', '--disconnecting-ms', '50',
        '--credential', `${CALLER.accessKeyId}:::${CALLER.secretAccessKey}:::${PRINCIPAL}`],
      { cwd: dir.dir, ready: /kms emulator listening on (http:\/\/\S+)/ },
    );
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await sandbox?.stop();
    dir.cleanup();
  });

  it('prints the proxy URL and a create-custom-key-store line (never the secret); a store made from them connects and serves crypto', async () => {
    const printed = sandbox.stderr();
    assert.ok(!printed.includes(TEST_SECRET), 'the proxy secret is not printed');
    const proxyUrl = /^proxy listening on (http:\/\/127\.0\.0\.1:\d+)/m.exec(printed)?.[1];
    const line = /--endpoint-url (\S+) .*\n.*--xks-proxy-uri-endpoint (\S+) --xks-proxy-uri-path (\S+) .*\n.*AccessKeyId=([A-Z2-7]+),RawSecretAccessKey=<its secret in config\.json>/.exec(printed);
    assert.ok(proxyUrl !== undefined && line !== null, printed);
    const [, endpointUrl, uriEndpoint, uriPath, accessKeyId] = line as unknown as [string, string, string, string, string];
    assert.equal(endpointUrl, sandbox.url);
    assert.equal(uriEndpoint, proxyUrl);

    const kms = client(CALLER.secretAccessKey);
    const id = await createPublicStore(kms, { name: 'sandbox', uriEndpoint, uriPath, accessKeyId, secret: TEST_SECRET });
    assert.deepEqual(await connectAndSettle(kms, id), { state: 'CONNECTED', code: undefined });
    const key = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'key-1' }))).KeyMetadata!;
    const e = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('sandbox') }));
    const d = await kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }));
    assert.equal(Buffer.from(d.Plaintext!).toString(), 'sandbox');
    // The proxy in the same process logged the credential's principal (spec A3 awsPrincipalArn).
    assert.match(sandbox.stdout(), new RegExp(`"awsPrincipalArn":"${PRINCIPAL}"`));

    // The console of the same process lists the store, and explains its proxy calls from the in-process proxy.
    assert.match(sandbox.stderr(), new RegExp(`KMS console: ${sandbox.url}/console`));
    const stores = await fetch(`${sandbox.url}/console/key-stores`);
    assert.equal(stores.status, 200);
    assert.match(await stores.text(), new RegExp(`sandbox</label>.*${id}`, 's'));
    const calls = await (await fetch(`${sandbox.url}/console/fragments/proxy-calls?operation=Encrypt`)).text();
    const seq = /href="\/console\/proxy-calls\/(\d+)"/.exec(calls)?.[1];
    assert.ok(seq !== undefined, calls);
    const detail = await (await fetch(`${sandbox.url}/console/proxy-calls/${seq}`)).text();
    assert.match(detail, /Encrypt on key store \S+ key key-1: answered 200/);
    assert.match(detail, /<li class="passed" data-check="crypto">/);
  });

  it('--credential: the SDK signing with another secret -> InvalidSignatureException', async () => {
    await assert.rejects(client(OTHER_SECRET).send(new DescribeCustomKeyStoresCommand({})), (e: Error) => e.name === 'InvalidSignatureException');
  });

  it('--credential: the AWS CLI v2 signing with the configured secret works, with another secret gets InvalidSignatureException', () => {
    assert.ok(existsSync(AWS), `${AWS} not installed (apt-get install awscli)`);
    const home = mkdtempSync(join(tmpdir(), 'kms-cli-'));
    const aws = (secret: string) =>
      spawnSync(AWS, ['kms', 'list-keys', '--endpoint-url', sandbox.url, '--output', 'json'], {
        encoding: 'utf8',
        timeout: 30_000,
        env: {
          PATH: '/usr/bin:/bin',
          HOME: home,
          AWS_ACCESS_KEY_ID: CALLER.accessKeyId,
          AWS_SECRET_ACCESS_KEY: secret,
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: join(home, 'none'),
          AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      });
    const ok = aws(CALLER.secretAccessKey);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { Keys: unknown[] }).Keys.length, 1);
    const refused = aws(OTHER_SECRET);
    assert.equal(refused.status, 254);
    assert.match(refused.stderr, /An error occurred \(InvalidSignatureException\) when calling the ListKeys operation: The request signature we calculated does not match the signature you provided/);
  });
});
