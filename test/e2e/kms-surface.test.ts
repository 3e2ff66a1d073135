/**
 * End to end, the KMS surface around XKS keys: the emulator (`xks kms`) and the REAL proxy (`xks serve`) as
 * processes on 127.0.0.1, driven by @aws-sdk/client-kms:
 * - every operation group (standard keys, aliases, tags, key policies, grants, rotation, GenerateRandom,
 *   UpdateKeyDescription, DryRun, Recipient, key-type errors) and the migration rehearsal (standard key -> XKS
 *   key -> decrypt -> back), then a restart of the emulator process on the same state file;
 * - 200 concurrent Encrypt calls: every call succeeds, none is attributed to the proxy (proxyTimeouts 0 in the
 *   status view), the proxy logged each Encrypt. Before the emulator kept a bounded queue and keep-alive
 *   connections, a burst of 130 failed 100 calls as proxy timeouts.
 */
import {
  ConnectCustomKeyStoreCommand,
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateRandomCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ReEncryptCommand,
  RetireGrantCommand,
  RotateKeyOnDemandCommand,
  SignCommand,
  TagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ProxyConnectionStats } from '../../src/xks-client/xks-connection-pool.js';
import { createTempProxyDir, startProxyProcess, type ProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { TEST_ACCESS_KEY_ID, TEST_SECRET, testKey } from '../support/test-app.js';
import { createPublicStore, waitFor } from '../support/kms-harness.js';

const BURST = 200;
const CALLER = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('e2e: the KMS surface around XKS keys (real emulator + real proxy processes)', { timeout: 240_000 }, () => {
  let dir: TempProxyDir;
  let proxy: ProxyProcess;
  let emulator: ProxyProcess;
  let kms: KMSClient;
  const agent = new http.Agent({ keepAlive: true, maxSockets: BURST });
  const stateDir = mkdtempSync(join(tmpdir(), 'kms-surface-'));
  // --proxy-timeout-ms 5000, a hang guard, not the spec's 250 ms: here the proxy shares a loaded CI machine with the
  // emulator and the SDK, and the OS can leave it unscheduled for longer than 250 ms after a request is on the wire
  // (measured: no answer 265 ms after the write while the emulator's loop read its sockets every 15 ms and the
  // proxy's own slowest Encrypt took 130 ms; issue 21). That would be the proxy's time for KMS too, so no emulator
  // fix can hide it. That queueing and emulator stalls never count against the 250 ms is proven with a proxy the
  // test controls: test/e2e/kms-emulator/proxy-call-fairness.test.ts, test/e2e/xks-client/exchange-wire-time.test.ts.
  const startEmulator = (): Promise<ProxyProcess> =>
    startProxyProcess(['kms', '--port', '0', '--state', join(stateDir, 'kms.sqlite'), '--allow-http-loopback', '--connecting-ms', '50', '--dns', 'static', '--log-level', 'info', '--proxy-timeout-ms', '5000']);
  const client = (): KMSClient => new KMSClient({ endpoint: emulator.url, region: 'us-east-1', credentials: CALLER, maxAttempts: 1, requestHandler: { httpAgent: agent } });
  let storeId = '';
  let xksKeyId = '';

  before(async () => {
    dir = createTempProxyDir({ keys: [testKey('key-1')], logLevel: 'info' });
    proxy = await startProxyProcess(['serve', '--config', dir.configPath]);
    emulator = await startEmulator();
    kms = client();
    storeId = await createPublicStore(kms, { name: 'surface', uriEndpoint: proxy.url, uriPath: '/kms/xks/v1', accessKeyId: TEST_ACCESS_KEY_ID, secret: TEST_SECRET });
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
    await waitFor(() => kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: storeId })), (d) => d.CustomKeyStores?.[0]?.ConnectionState === 'CONNECTED', 20_000);
    xksKeyId = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyId: 'key-1' }))).KeyMetadata!.KeyId!;
  });
  after(async () => {
    kms.destroy();
    agent.destroy();
    await emulator.stop();
    await proxy.stop();
    dir.cleanup();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const rejectsWith = (p: Promise<unknown>, name: string): Promise<void> => assert.rejects(p, (e: Error) => e.name === name);
  const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString();
  let migrated: { ciphertext: Uint8Array; standardKeyId: string } | undefined;

  it('migration rehearsal: data under a standard key -> ReEncrypt to the XKS key (the proxy decrypts it) -> back to the standard key', async () => {
    const standard = (await kms.send(new CreateKeyCommand({ Description: 'legacy standard key' }))).KeyMetadata!;
    assert.equal(standard.Origin, 'AWS_KMS');
    const e = await kms.send(new EncryptCommand({ KeyId: standard.KeyId, Plaintext: Buffer.from('customer record 42'), EncryptionContext: { table: 'customers' } }));
    const before = proxy.stdout().split('\n').filter((l) => l.includes('"kmsOperation":"ReEncrypt"')).length;
    const toXks = await kms.send(new ReEncryptCommand({ CiphertextBlob: e.CiphertextBlob, SourceEncryptionContext: { table: 'customers' }, DestinationKeyId: xksKeyId, DestinationEncryptionContext: { table: 'customers' } }));
    assert.equal(toXks.SourceKeyId, standard.Arn);
    const viaXks = await kms.send(new DecryptCommand({ CiphertextBlob: toXks.CiphertextBlob, EncryptionContext: { table: 'customers' } }));
    assert.equal(viaXks.KeyId?.endsWith(xksKeyId), true);
    assert.equal(text(viaXks.Plaintext), 'customer record 42');
    const back = await kms.send(new ReEncryptCommand({ CiphertextBlob: toXks.CiphertextBlob, SourceEncryptionContext: { table: 'customers' }, DestinationKeyId: standard.KeyId, DestinationEncryptionContext: { table: 'customers' } }));
    assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob: back.CiphertextBlob, EncryptionContext: { table: 'customers' } }))).Plaintext), 'customer record 42');
    // The real proxy saw the ReEncrypt calls (Encrypt for the XKS destination, Decrypt for the XKS source).
    assert.ok(proxy.stdout().split('\n').filter((l) => l.includes('"kmsOperation":"ReEncrypt"')).length >= before + 2);
    migrated = { ciphertext: toXks.CiphertextBlob!, standardKeyId: standard.KeyId! };
  });

  it('operation groups against the real proxy: aliases, tags, policies, grants, rotation, random, description, DryRun, Recipient, key-type errors', async () => {
    const std = (await kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'team', TagValue: 'payments' }], Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] }) }))).KeyMetadata!;
    // Aliases: names resolve in KeyId, alias ARNs too; one alias moves between keys.
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: xksKeyId }));
    const e = await kms.send(new EncryptCommand({ KeyId: 'arn:aws:kms:us-east-1:111122223333:alias/orders', Plaintext: Buffer.from('by alias') }));
    assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, KeyId: 'alias/orders' }))).Plaintext), 'by alias');
    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: std.KeyId }));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: 'alias/orders' }))).KeyMetadata?.KeyId, std.KeyId);
    assert.deepEqual((await kms.send(new ListAliasesCommand({ KeyId: std.KeyId }))).Aliases?.map((a) => a.AliasName), ['alias/orders']);
    await rejectsWith(kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/s3', TargetKeyId: std.KeyId })), 'InvalidAliasNameException');
    // Tags and policies read back as infrastructure tools do.
    await kms.send(new TagResourceCommand({ KeyId: std.KeyId, Tags: [{ TagKey: 'env', TagValue: 'prod' }] }));
    assert.deepEqual((await kms.send(new ListResourceTagsCommand({ KeyId: std.KeyId }))).Tags?.map((t) => t.TagKey), ['env', 'team']);
    await rejectsWith(kms.send(new PutKeyPolicyCommand({ KeyId: xksKeyId, PolicyName: 'default', Policy: 'notjson' })), 'MalformedPolicyDocumentException');
    assert.match((await kms.send(new GetKeyPolicyCommand({ KeyId: xksKeyId, PolicyName: 'default' }))).Policy ?? '', /key-default-1/);
    // Grants: stored, listed, retired.
    const g = await kms.send(new CreateGrantCommand({ KeyId: xksKeyId, GranteePrincipal: 'arn:aws:iam::111122223333:role/app', Operations: ['Decrypt'] }));
    assert.equal((await kms.send(new ListGrantsCommand({ KeyId: xksKeyId }))).Grants?.[0]?.GrantId, g.GrantId);
    await kms.send(new RetireGrantCommand({ GrantToken: g.GrantToken }));
    // Rotation: the standard key rotates; the XKS key answers AWS's error.
    await kms.send(new EnableKeyRotationCommand({ KeyId: std.KeyId }));
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: std.KeyId }));
    assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: std.KeyId }))).KeyRotationEnabled, true);
    await rejectsWith(kms.send(new EnableKeyRotationCommand({ KeyId: xksKeyId })), 'UnsupportedOperationException');
    assert.equal((await kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }))).Plaintext?.length, 32);
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: xksKeyId, Description: 'orders (XKS)' }));
    // DryRun: nothing done, no proxy call.
    const proxyLines = proxy.stdout().split('\n').length;
    await rejectsWith(kms.send(new GenerateDataKeyCommand({ KeyId: xksKeyId, KeySpec: 'AES_256', DryRun: true })), 'DryRunOperationException');
    await rejectsWith(kms.send(new EncryptCommand({ KeyId: xksKeyId, Plaintext: Buffer.from('x'), DryRun: true })), 'DryRunOperationException');
    assert.equal(proxy.stdout().split('\n').length, proxyLines, 'the proxy logged nothing for the dry runs');
    await rejectsWith(kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', AttestationDocument: Buffer.from('doc') } })), 'UnsupportedOperationException');
    await rejectsWith(kms.send(new SignCommand({ KeyId: xksKeyId, Message: Buffer.from('m'), SigningAlgorithm: 'ECDSA_SHA_256' })), 'InvalidKeyUsageException');
  });

  it('restart: a new emulator process on the same state file has the keys, aliases, tags and the migrated ciphertext', async () => {
    assert.ok(migrated !== undefined, 'the migration rehearsal ran first');
    kms.destroy();
    await emulator.stop();
    emulator = await startEmulator();
    kms = client();
    await waitFor(() => kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: storeId })), (d) => d.CustomKeyStores?.[0]?.ConnectionState === 'CONNECTED', 20_000);
    assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob: migrated.ciphertext, EncryptionContext: { table: 'customers' } }))).Plaintext), 'customer record 42');
    const aliased = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/orders' }))).KeyMetadata!;
    assert.deepEqual((await kms.send(new ListResourceTagsCommand({ KeyId: aliased.KeyId }))).Tags?.map((t) => t.TagKey), ['env', 'team']);
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: xksKeyId }))).KeyMetadata?.Description, 'orders (XKS)');
  });

  it(`${BURST} concurrent Encrypt calls: 0 failures, 0 attributed to the proxy; each decrypts`, async (t) => {
    const keyId = xksKeyId;

    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: BURST }, (_, i) => kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(`burst ${i}`), EncryptionContext: { i: String(i) } }))));
    const wallMs = Date.now() - started;
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => `${(r.reason as Error).name}: ${(r.reason as Error).message}`);
    const status = (await (await fetch(`${emulator.url}/_emulator/status`)).json()) as { proxyConnections: ProxyConnectionStats[] };
    const stats = status.proxyConnections.find((p) => p.endpoint === proxy.url);
    assert.ok(stats, JSON.stringify(status.proxyConnections));
    const proxyLines = proxy.stdout().split('\n').filter((l) => l.includes('"kmsOperation":"Encrypt"')).map((l) => JSON.parse(l) as { durationMs?: number; status?: number });
    const proxyMax = Math.max(...proxyLines.map((l) => l.durationMs ?? 0));
    t.diagnostic(`burst of ${BURST}: ${wallMs} ms wall; emulator queue: max ${stats.maxQueued} waiting, wait max ${stats.queueWaitMsMax} ms / avg ${stats.queueWaitMsAvg} ms; ${stats.maxConnections} connections; lag events ${stats.emulatorLagEvents}; proxy logged ${proxyLines.length} Encrypt, slowest ${proxyMax.toFixed(1)} ms`);
    assert.deepEqual(failures, [], 'no Encrypt failed');
    assert.equal(stats.proxyTimeouts, 0, 'no call was reported as a proxy timeout');
    assert.equal(stats.emulatorRefusals, 0);
    assert.ok(proxyLines.length >= BURST, `the proxy logged ${proxyLines.length} Encrypt requests`);
    // Every ciphertext is real: a sample decrypts with its own context.
    for (const i of [0, 99, BURST - 1]) {
      const r = results[i];
      assert.ok(r?.status === 'fulfilled');
      const d = await kms.send(new DecryptCommand({ CiphertextBlob: r.value.CiphertextBlob, EncryptionContext: { i: String(i) } }));
      assert.equal(Buffer.from(d.Plaintext!).toString(), `burst ${i}`);
    }
  });
});
