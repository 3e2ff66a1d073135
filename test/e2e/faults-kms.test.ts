/**
 * Each fault a real `xks serve --allow-faults` process can inject, against the KMS emulator driven by
 * @aws-sdk/client-kms: the ConnectionErrorCode or KMS exception must be what docs/faults.md's table says. The
 * table is read from the docs, so the docs and the behaviour cannot drift apart.
 */
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeCustomKeyStoresCommand,
  DisconnectCustomKeyStoreCommand,
  EncryptCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectAndSettle, createPublicStore, startHarness, waitFor, type Harness } from '../support/kms-harness.js';
import { createTempProxyDir, REPO_ROOT, startProxyProcess, type ProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { runCli } from '../support/run-cli.js';
import { TEST_ACCESS_KEY_ID, TEST_SECRET, testKey } from '../support/test-app.js';

const SECOND_ACCESS_KEY_ID = 'AKIAI2SFODNN7CREATE2';

interface Row {
  readonly fault: string[];
  readonly call: string;
  readonly expected: string;
}

/** The rows of the "What KMS reports for each fault" table. */
function tableRows(): Row[] {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'faults.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## What KMS reports for each fault'));
  const rows: Row[] = [];
  for (const line of section.split('\n')) {
    const m = /^\| `([^`]+)` \| (\w+) \| `(\w+)` \|$/.exec(line);
    if (m !== null) rows.push({ fault: (m[1] ?? '').split(' '), call: m[2] ?? '', expected: m[3] ?? '' });
  }
  return rows;
}

async function errorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { name?: string }).name ?? String(e);
  }
  return 'no error';
}

describe('e2e: injected faults -> what KMS reports (docs/faults.md table)', { timeout: 240_000 }, () => {
  const rows = tableRows();
  let dir: TempProxyDir;
  let proxy: ProxyProcess;
  let admin: string;
  let h: Harness;
  let kms: KMSClient;
  let storeId: string;
  let keyId: string;
  let blob: Uint8Array;
  let storeCount = 0;

  const faults = async (...args: string[]): Promise<void> => {
    const r = await runCli(['faults', ...args, '--url', admin], { cwd: dir.dir });
    assert.equal(r.error, undefined, r.error?.message);
  };
  // CreateCustomKeyStore rows use a second key store of the proxy: endpoint + path must be unique in KMS (spec B3).
  const newStore = (uriPath = '/kms/xks/v1', accessKeyId = TEST_ACCESS_KEY_ID): Promise<string> =>
    createPublicStore(kms, { name: `faults-${++storeCount}`, uriEndpoint: proxy.url, uriPath, accessKeyId, secret: TEST_SECRET });
  const disconnect = async (id: string): Promise<void> => {
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    await waitFor(() => kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id })), (d) => d.CustomKeyStores?.[0]?.ConnectionState === 'DISCONNECTED');
  };

  before(async () => {
    const store = (name: string, uriPrefix: string, accessKeyId: string) => ({
      name,
      uriPrefix,
      regions: ['us-east-1'],
      credentials: [{ accessKeyId, secretAccessKey: TEST_SECRET }],
      keyDirectory: 'keys',
    });
    dir = createTempProxyDir({
      keys: [testKey('key-1'), testKey('key-2')],
      logLevel: 'warn',
      extraConfig: {
        admin: { host: '127.0.0.1', port: 0 },
        healthCheck: { slowMs: 10_000 },
        keyStores: [store('main', '', TEST_ACCESS_KEY_ID), store('create', '/create', SECOND_ACCESS_KEY_ID)],
      },
    });
    proxy = await startProxyProcess(['serve', '--config', dir.configPath, '--no-watch', '--allow-faults'], { ready: /xks-proxy listening on (http:\/\/\S+)/, timeoutMs: 90_000 });
    admin = /admin listener \(xks status\) on (http:\/\/\S+)/.exec(proxy.stderr())?.[1] ?? '';
    // The emulator's per-call budget is raised from KMS's 250 ms to 750 ms so a loaded test machine never turns a
    // healthy answer into a timeout; the table's latency rows inject 1000 ms, beyond either budget.
    h = await startHarness({ connectingDelayMs: 20, disconnectingDelayMs: 10, healthCheckIntervalMs: 600_000, proxyTimeoutMs: 750 });
    kms = h.kms;
    storeId = await newStore();
    assert.deepEqual(await connectAndSettle(kms, storeId), { state: 'CONNECTED', code: undefined });
    keyId = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyId: 'key-1' }))).KeyMetadata?.KeyId ?? '';
    blob = (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('fault rehearsal') }))).CiphertextBlob ?? new Uint8Array();
  });
  after(async () => {
    await h?.close();
    await proxy?.stop();
    dir?.cleanup();
  });

  it('the docs table lists every fault type and every KMS call the tests drive', () => {
    assert.ok(rows.length >= 30, `${rows.length} rows`);
    const kinds = new Set(rows.map((r) => (r.fault[0] ?? '').split(':')[0]));
    for (const k of ['error', 'latency', 'malformed-body', 'truncated-body', 'wrong-cdiv', 'flip-ciphertext-bit', 'drop-connection', 'health']) assert.ok(kinds.has(k), k);
    assert.deepEqual([...new Set(rows.map((r) => r.call))].sort(), ['ConnectCustomKeyStore', 'CreateCustomKeyStore', 'CreateKey', 'Decrypt', 'Encrypt']);
  });

  // Calls that need the connected store first, then the Connect rows (each disconnects the store).
  const order = ['CreateCustomKeyStore', 'CreateKey', 'Encrypt', 'Decrypt', 'ConnectCustomKeyStore'];
  for (const row of [...rows].sort((a, b) => order.indexOf(a.call) - order.indexOf(b.call))) {
    it(`${row.fault.join(' ')} -> ${row.call}: ${row.expected}`, async () => {
      if (row.call === 'ConnectCustomKeyStore') await disconnect(storeId);
      await faults('set', ...row.fault);
      try {
        let got: string;
        switch (row.call) {
          case 'ConnectCustomKeyStore': {
            const s = await connectAndSettle(kms, storeId);
            got = s.state === 'FAILED' ? (s.code ?? 'FAILED without a code') : (s.state ?? 'unknown');
            break;
          }
          case 'CreateCustomKeyStore':
            got = await errorName(newStore('/create/kms/xks/v1', SECOND_ACCESS_KEY_ID));
            break;
          case 'CreateKey':
            // key-2 exists on the proxy and is not yet used in the store (key-1 is: XksKeyAlreadyInUseException).
            got = await errorName(kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyId: 'key-2' })));
            break;
          case 'Encrypt':
            got = await errorName(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })));
            break;
          default:
            got = await errorName(kms.send(new DecryptCommand({ CiphertextBlob: blob })));
        }
        assert.equal(got, row.expected);
      } finally {
        await faults('clear');
        if (row.call === 'ConnectCustomKeyStore') {
          await disconnect(storeId);
          assert.equal((await connectAndSettle(kms, storeId)).state, 'CONNECTED');
        }
      }
    });
  }

  it('control: with the faults cleared, the blob still decrypts and a store on the second path is created', async () => {
    assert.match(await newStore('/create/kms/xks/v1', SECOND_ACCESS_KEY_ID), /^cks-/);
    const d = await kms.send(new DecryptCommand({ CiphertextBlob: blob }));
    assert.equal(Buffer.from(d.Plaintext ?? new Uint8Array()).toString(), 'fault rehearsal');
  });
});
