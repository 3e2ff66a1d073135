/**
 * End to end: the REAL proxy (`xks serve`) and the emulator (`xks kms`) as processes on 127.0.0.1, driven by
 * @aws-sdk/client-kms and by the AWS CLI v2 (/usr/bin/aws). Also breaks the real proxy (wrong secret, wrong
 * path, down, key directory unreadable, hung) and checks the ConnectionErrorCode each break produces, and the
 * CreateKey exceptions its external keys produce.
 */
import {
  ConnectCustomKeyStoreCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeCustomKeyStoresCommand,
  DisconnectCustomKeyStoreCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  ReEncryptCommand,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import aws4 from 'aws4';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTempProxyDir, startProxyProcess, type ProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { TEST_ACCESS_KEY_ID, TEST_SECRET, testKey } from '../support/test-app.js';
import { createPublicStore } from '../support/kms-harness.js';
import { AWS_CLI as AWS, runAwsCli } from '../support/aws-cli.js';
import { pollUntil } from '../support/poll-until.js';

/** The proxy wants one access key id per key store: derive one per prefix (20 chars of A-Z2-7). */
const akidFor = (prefix: string): string => (prefix === '' ? TEST_ACCESS_KEY_ID : `${TEST_ACCESS_KEY_ID.slice(0, 19)}${prefix.slice(1, 2).toUpperCase()}`);
const CALLER = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** Wait until the store leaves CONNECTING / DISCONNECTING (a 60 s hang guard, not a count of tries). */
async function settle(kms: KMSClient, id: string): Promise<{ state?: string; code?: string }> {
  let last: string | undefined;
  return pollUntil(
    'the store to settle',
    async () => {
      const e = (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }))).CustomKeyStores?.[0];
      last = e?.ConnectionState;
      return e?.ConnectionState !== 'CONNECTING' && e?.ConnectionState !== 'DISCONNECTING' ? { state: e?.ConnectionState, code: e?.ConnectionErrorCode } : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 25, describe: () => String(last) },
  );
}

describe('e2e: real proxy + KMS emulator processes', { timeout: 300_000 }, () => {
  let dir: TempProxyDir;
  let proxy: ProxyProcess;
  let emulator: ProxyProcess;
  let kms: KMSClient;
  let proxyPort: number;
  const stateDir = mkdtempSync(join(tmpdir(), 'kms-e2e-'));

  const ALL_PREFIXES = ['', '/cli', '/secret', '/path', '/kmgr', '/down'];
  /**
   * One proxy key store per prefix, all with the same credential and keys; `keyDirectories` overrides the key
   * directory of some prefixes (to make their key manager DEGRADED or UNAVAILABLE).
   */
  const startRealProxy = async (secret = TEST_SECRET, prefixes: readonly string[] = ALL_PREFIXES, keyDirectories: Readonly<Record<string, string>> = {}): Promise<ProxyProcess> => {
    const cfg = JSON.parse(readFileSync(dir.configPath, 'utf8')) as { listen: { port: number }; keyStores: Record<string, unknown>[] };
    cfg.listen.port = proxyPort;
    const base = cfg.keyStores[0]!;
    cfg.keyStores = prefixes.map((uriPrefix, i) => ({
      ...base,
      name: `e2e-${i}`,
      uriPrefix,
      credentials: [{ accessKeyId: akidFor(uriPrefix), secretAccessKey: secret }],
      ...(keyDirectories[uriPrefix] !== undefined && { keyDirectory: keyDirectories[uriPrefix] }),
    }));
    const path = join(dir.dir, 'run-config.json');
    writeFileSync(path, JSON.stringify(cfg), { mode: 0o600 });
    return startProxyProcess(['serve', '--config', path]);
  };

  before(async () => {
    dir = createTempProxyDir({ keys: [testKey('key-1'), testKey('key-2'), testKey('key-disabled', { status: 'DISABLED' }), testKey('key-encrypt-only', { usage: ['ENCRYPT'] })] });
    proxyPort = await freePort();
    proxy = await startRealProxy();
    // --proxy-timeout-ms 5000, a hang guard, not the spec's 250 ms (as in kms-surface.test.ts): the real proxy process
    // shares a loaded machine, and the OS can leave it unscheduled for longer than 250 ms (measured: a Connect probe
    // FAILED XKS_PROXY_TIMED_OUT instead of XKS_PROXY_INVALID_CONFIGURATION, 1 run in 3 with a core kept busy). The
    // SIGSTOPped proxy still times out; the 250 ms attribution is proven with proxies the test controls
    // (test/e2e/kms-emulator/proxy-call-fairness.test.ts, test/e2e/xks-client/exchange-wire-time.test.ts).
    emulator = await startProxyProcess(['kms', '--port', '0', '--state', join(stateDir, 'kms.sqlite'), '--allow-http-loopback', '--connecting-ms', '100', '--disconnecting-ms', '50', '--dns', 'static', '--log-level', 'debug', '--proxy-timeout-ms', '5000']);
    kms = new KMSClient({ endpoint: emulator.url, region: 'us-east-1', credentials: CALLER, maxAttempts: 1 });
  });
  after(async () => {
    kms.destroy();
    await emulator.stop();
    await proxy.stop();
    dir.cleanup();
  });

  const createStore = (name: string, path = '/kms/xks/v1'): Promise<string> =>
    createPublicStore(kms, { name, uriEndpoint: `http://127.0.0.1:${proxyPort}`, uriPath: path, accessKeyId: akidFor(path.slice(0, -'/kms/xks/v1'.length)), secret: TEST_SECRET });

  it('SDK: create store, connect -> CONNECTED, create keys, encrypt, decrypt, data key, re-encrypt, disconnect', async () => {
    const id = await createStore('sdk-store');
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    assert.deepEqual(await settle(kms, id), { state: 'CONNECTED', code: undefined });
    const k1 = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'key-1' }))).KeyMetadata!;
    const k2 = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'key-2' }))).KeyMetadata!;
    const e = await kms.send(new EncryptCommand({ KeyId: k1.KeyId, Plaintext: Buffer.from('hello xks'), EncryptionContext: { purpose: 'e2e' } }));
    const d = await kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { purpose: 'e2e' } }));
    assert.equal(Buffer.from(d.Plaintext!).toString(), 'hello xks');
    const g = await kms.send(new GenerateDataKeyCommand({ KeyId: k1.Arn, KeySpec: 'AES_256' }));
    const r = await kms.send(new ReEncryptCommand({ CiphertextBlob: g.CiphertextBlob, DestinationKeyId: k2.KeyId }));
    const back = await kms.send(new DecryptCommand({ CiphertextBlob: r.CiphertextBlob }));
    assert.deepEqual(Buffer.from(back.Plaintext!), Buffer.from(g.Plaintext!));
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    assert.equal((await settle(kms, id)).state, 'DISCONNECTED');
    // The proxy logged the KMS request ids and operations (its log is JSON on stdout).
    assert.match(proxy.stdout(), /"kmsOperation":"ReEncrypt"/);
    // Neither process logs plaintext or secrets.
    for (const log of [proxy.stdout() + proxy.stderr(), emulator.stdout() + emulator.stderr()]) {
      assert.ok(!log.includes(TEST_SECRET), 'no proxy secret in logs');
      assert.ok(!log.includes(Buffer.from('hello xks').toString('base64')), 'no plaintext in logs');
    }
  });

  it('AWS CLI v2: the docs/kms-emulator.md walkthrough', async () => {
    // The real CLI is part of the suite (.ci/run installs the Debian package awscli): missing, it fails.
    assert.ok(existsSync(AWS), `${AWS} not installed (apt-get install awscli)`);
    const work = mkdtempSync(join(tmpdir(), 'kms-cli-'));
    // Each CLI call runs without blocking this process (spawnSync would stop its event loop for the whole walkthrough).
    const aws = async (...args: string[]): Promise<Record<string, unknown>> => {
      const r = await runAwsCli(['kms', ...args], { endpoint: emulator.url, ...CALLER });
      assert.equal(r.status, 0, `aws kms ${args.join(' ')}\n${r.stderr}`);
      return r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, unknown>);
    };
    const created = await aws('create-custom-key-store', '--custom-key-store-name', 'cli-store', '--custom-key-store-type', 'EXTERNAL_KEY_STORE', '--xks-proxy-connectivity', 'PUBLIC_ENDPOINT', '--xks-proxy-uri-endpoint', `http://127.0.0.1:${proxyPort}`, '--xks-proxy-uri-path', '/cli/kms/xks/v1', '--xks-proxy-authentication-credential', `AccessKeyId=${akidFor('/cli')},RawSecretAccessKey=${TEST_SECRET}`);
    const id = String(created['CustomKeyStoreId']);
    assert.match(id, /^cks-[0-9a-f]{17}$/);
    assert.deepEqual(await aws('connect-custom-key-store', '--custom-key-store-id', id), {});
    let state = '';
    for (let i = 0; i < 100 && state !== 'CONNECTED'; i++) {
      const d = await aws('describe-custom-key-stores', '--custom-key-store-name', 'cli-store') as { CustomKeyStores: { ConnectionState: string; XksProxyConfiguration: Record<string, unknown> }[] };
      state = d.CustomKeyStores[0]?.ConnectionState ?? '';
      assert.equal(JSON.stringify(d).includes(TEST_SECRET), false, 'Describe never returns the secret');
      if (state === 'FAILED') assert.fail(JSON.stringify(d));
    }
    assert.equal(state, 'CONNECTED');
    const key = await aws('create-key', '--origin', 'EXTERNAL_KEY_STORE', '--custom-key-store-id', id, '--xks-key-id', 'key-1') as { KeyMetadata: { KeyId: string; KeyState: string } };
    assert.equal(key.KeyMetadata.KeyState, 'Enabled');
    const keyId = key.KeyMetadata.KeyId;
    const e = await aws('encrypt', '--key-id', keyId, '--plaintext', Buffer.from('hello from the CLI').toString('base64'), '--encryption-context', 'purpose=walkthrough');
    const blob = join(work, 'blob.bin');
    writeFileSync(blob, Buffer.from(String(e['CiphertextBlob']), 'base64'));
    const d = await aws('decrypt', '--ciphertext-blob', `fileb://${blob}`, '--encryption-context', 'purpose=walkthrough');
    assert.equal(Buffer.from(String(d['Plaintext']), 'base64').toString(), 'hello from the CLI');
    const g = await aws('generate-data-key', '--key-id', keyId, '--key-spec', 'AES_256');
    writeFileSync(blob, Buffer.from(String(g['CiphertextBlob']), 'base64'));
    const r = await aws('re-encrypt', '--ciphertext-blob', `fileb://${blob}`, '--destination-key-id', keyId);
    writeFileSync(blob, Buffer.from(String(r['CiphertextBlob']), 'base64'));
    assert.equal((await aws('decrypt', '--ciphertext-blob', `fileb://${blob}`))['Plaintext'], g['Plaintext']);
    // Aliases and tags, as infrastructure code uses them: an alias as KeyId, ListAliases by key, tags on create.
    assert.deepEqual(await aws('create-alias', '--alias-name', 'alias/cli-orders', '--target-key-id', keyId), {});
    const aliases = await aws('list-aliases', '--key-id', keyId) as { Aliases: { AliasName: string; AliasArn: string; TargetKeyId: string }[] };
    assert.deepEqual(aliases.Aliases.map((a) => [a.AliasName, a.AliasArn, a.TargetKeyId]), [['alias/cli-orders', 'arn:aws:kms:us-east-1:111122223333:alias/cli-orders', keyId]]);
    const viaAlias = await aws('encrypt', '--key-id', 'alias/cli-orders', '--plaintext', Buffer.from('via alias').toString('base64'));
    assert.equal(String(viaAlias['KeyId']).endsWith(keyId), true);
    const tagged = await aws('create-key', '--description', 'cli standard key', '--tags', 'TagKey=team,TagValue=payments') as { KeyMetadata: { KeyId: string; Origin: string } };
    assert.equal(tagged.KeyMetadata.Origin, 'AWS_KMS');
    assert.deepEqual(await aws('tag-resource', '--key-id', tagged.KeyMetadata.KeyId, '--tags', 'TagKey=env,TagValue=dev'), {});
    assert.deepEqual((await aws('list-resource-tags', '--key-id', tagged.KeyMetadata.KeyId))['Tags'], [{ TagKey: 'env', TagValue: 'dev' }, { TagKey: 'team', TagValue: 'payments' }]);
    assert.deepEqual(await aws('untag-resource', '--key-id', tagged.KeyMetadata.KeyId, '--tag-keys', 'env'), {});
    assert.deepEqual((await aws('list-resource-tags', '--key-id', tagged.KeyMetadata.KeyId))['Tags'], [{ TagKey: 'team', TagValue: 'payments' }]);
    const refused = await runAwsCli(['kms', 'tag-resource', '--key-id', tagged.KeyMetadata.KeyId, '--tags', 'TagKey=aws:x,TagValue=y'], { endpoint: emulator.url, ...CALLER });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /TagException/);
    assert.deepEqual(await aws('disconnect-custom-key-store', '--custom-key-store-id', id), {});
  });

  it('breaking the real proxy: wrong secret -> INVALID_CREDENTIALS, wrong path -> XKS_PROXY_INVALID_CONFIGURATION, down -> XKS_PROXY_NOT_REACHABLE; FAILED cannot reconnect', async () => {
    const wrongSecret = await createStore('break-secret', '/secret/kms/xks/v1');
    const wrongPath = await createStore('break-path', '/path/kms/xks/v1');
    await assert.rejects(createStore('break-create', '/tenant/kms/xks/v1'), (e: Error) => e.name === 'XksProxyInvalidConfigurationException');
    // Rotate the proxy's secret: the store's credential is now wrong.
    await proxy.stop();
    proxy = await startRealProxy('R'.repeat(43));
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: wrongSecret }));
    assert.deepEqual(await settle(kms, wrongSecret), { state: 'FAILED', code: 'INVALID_CREDENTIALS' });
    await assert.rejects(kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: wrongSecret })), (e: Error) => e.name === 'CustomKeyStoreInvalidStateException');
    // Move the proxy under a prefix: the store's XksProxyUriPath is now wrong.
    await proxy.stop();
    proxy = await startRealProxy(TEST_SECRET, ALL_PREFIXES.filter((p) => p !== '/path'));
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: wrongPath }));
    assert.deepEqual(await settle(kms, wrongPath), { state: 'FAILED', code: 'XKS_PROXY_INVALID_CONFIGURATION' });
    // Proxy down.
    await proxy.stop();
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: wrongPath }));
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: wrongPath }));
    assert.deepEqual(await settle(kms, wrongPath), { state: 'FAILED', code: 'XKS_PROXY_NOT_REACHABLE' });
    proxy = await startRealProxy();
  });
  /** The real proxy's own GetHealthStatus answer for a prefix (signed by aws4, independent of both processes). */
  const proxyHealth = async (prefix: string): Promise<string[]> => {
    const body = JSON.stringify({ requestMetadata: { kmsRequestId: 'e2e-health', kmsOperation: 'KmsHealthCheck' } });
    const req = aws4.sign(
      { method: 'POST', host: `127.0.0.1:${proxyPort}`, path: `${prefix}/kms/xks/v1/health`, service: 'kms-xks-proxy', region: 'us-east-1', body, headers: { 'Content-Type': 'application/json' } },
      { accessKeyId: akidFor(prefix), secretAccessKey: TEST_SECRET },
    );
    const res = await fetch(`http://127.0.0.1:${proxyPort}${req.path}`, { method: 'POST', headers: req.headers as Record<string, string>, body });
    assert.equal(res.status, 200);
    return ((await res.json()) as { ekmFleetDetails: { healthStatus: string }[] }).ekmFleetDetails.map((d) => d.healthStatus);
  };

  it('CreateKey against the real proxy: unknown key -> XksKeyNotFoundException; DISABLED or ENCRYPT-only key -> XksKeyInvalidConfigurationException', async () => {
    const id = await createStore('keys-store', '/kmgr/kms/xks/v1');
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    assert.equal((await settle(kms, id)).state, 'CONNECTED');
    const createKey = (XksKeyId: string) => kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId }));
    await assert.rejects(createKey('no-such-key'), (e: Error) => e.name === 'XksKeyNotFoundException');
    await assert.rejects(createKey('key-disabled'), (e: Error) => e.name === 'XksKeyInvalidConfigurationException' && /keyStatus DISABLED/.test(e.message));
    await assert.rejects(createKey('key-encrypt-only'), (e: Error) => e.name === 'XksKeyInvalidConfigurationException' && /DECRYPT/.test(e.message));
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    assert.equal((await settle(kms, id)).state, 'DISCONNECTED');
  });

  it('key manager health on the real proxy: one bad key file -> DEGRADED -> CONNECTED; key directory missing -> UNAVAILABLE -> Create XksProxyUriUnreachableException, Connect FAILED XKS_PROXY_NOT_REACHABLE', async () => {
    const id = (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'keys-store' }))).CustomKeyStores?.[0]?.CustomKeyStoreId ?? '';
    const degraded = join(dir.dir, 'keys-degraded');
    mkdirSync(degraded, { mode: 0o700 });
    copyFileSync(join(dir.keyDir, 'key-1.json'), join(degraded, 'key-1.json'));
    writeFileSync(join(degraded, 'key-2.json'), '{ not a key file', { mode: 0o600 });
    const missing = join(dir.dir, 'no-such-directory');
    await proxy.stop();
    proxy = await startRealProxy(TEST_SECRET, ALL_PREFIXES, { '/kmgr': degraded, '/down': missing });

    assert.deepEqual([...new Set(await proxyHealth('/kmgr'))], ['DEGRADED']);
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    assert.deepEqual(await settle(kms, id), { state: 'CONNECTED', code: undefined });
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    assert.equal((await settle(kms, id)).state, 'DISCONNECTED');

    assert.deepEqual([...new Set(await proxyHealth('/down'))], ['UNAVAILABLE']);
    await assert.rejects(createStore('down-store', '/down/kms/xks/v1'), (e: Error) => e.name === 'XksProxyUriUnreachableException');

    await proxy.stop();
    proxy = await startRealProxy(TEST_SECRET, ALL_PREFIXES, { '/kmgr': missing });
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    assert.deepEqual(await settle(kms, id), { state: 'FAILED', code: 'XKS_PROXY_NOT_REACHABLE' });
    assert.match(proxy.stdout(), /key directory unreadable: ENOENT/, 'the proxy log says why');
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    await proxy.stop();
    proxy = await startRealProxy();
  });

  it('hung proxy process (SIGSTOP: connections accepted, no answer) -> Connect FAILED XKS_PROXY_TIMED_OUT', async () => {
    const id = (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'keys-store' }))).CustomKeyStores?.[0]?.CustomKeyStoreId ?? '';
    assert.equal((await settle(kms, id)).state, 'DISCONNECTED');
    proxy.child.kill('SIGSTOP');
    try {
      await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
      assert.deepEqual(await settle(kms, id), { state: 'FAILED', code: 'XKS_PROXY_TIMED_OUT' });
    } finally {
      proxy.child.kill('SIGCONT');
    }
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    assert.equal((await settle(kms, id)).state, 'CONNECTED', 'the same store connects once the proxy answers again');
  });
});
