/**
 * End to end, issue 5: each XKS ConnectionErrorCode of spec B6 produced by breaking the REAL proxy (`xks serve`,
 * real configuration, TLS) in the corresponding way, observed through the KMS emulator (`xks kms`) driven by
 * @aws-sdk/client-kms: CreateCustomKeyStore while the proxy is healthy, break the proxy (certificate swap,
 * configuration reload, key directory gone, proxy overloaded (body budget full), process stopped), ConnectCustomKeyStore,
 * poll DescribeCustomKeyStores until FAILED, assert the code.
 *
 * The realistic setup throughout: the proxy terminates TLS itself; the store's endpoint is `https://<host>` with no
 * port; the emulator resolves the host with `--resolve` and trusts the test CA with `--ca-file`.
 *
 * Covered elsewhere against the real proxy (test/e2e/kms-real-proxy.test.ts), not repeated here: wrong secret ->
 * INVALID_CREDENTIALS, wrong URI path -> XKS_PROXY_INVALID_CONFIGURATION, proxy down -> XKS_PROXY_NOT_REACHABLE,
 * Connect on a FAILED store -> CustomKeyStoreInvalidStateException.
 * Not producible by a correct proxy: XKS_PROXY_ACCESS_DENIED needs a 403 to GetHealthStatus, which is exempt from
 * secondary authorization (spec A7, A14); only the fake proxy of test/e2e/kms-emulator/ can give it.
 */
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteCustomKeyStoreCommand,
  DescribeCustomKeyStoresCommand,
  DisconnectCustomKeyStoreCommand,
  EncryptCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import aws4 from 'aws4';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { createCertDir, type CertDir, type CertFiles } from '../support/certs.js';
import { createTempProxyDir, startProxyProcess, type ProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { TEST_REGION, TEST_SECRET, testKey } from '../support/test-app.js';
import { healthBody, signedXksRequest } from '../support/tls-client.js';
import { pollUntil } from '../support/poll-until.js';

/** The proxy's public name; only the emulator's --resolve maps it to 127.0.0.1 (no DNS traffic, --dns static). */
const PROXY_HOST = 'xks-proxy.e2e.test';
const ENDPOINT = `https://${PROXY_HOST}`;
const CALLER = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
/**
 * Spec A16 says 250 ms per proxy call. The emulator gets 1 s here so a loaded 2-core CI cannot turn a healthy
 * TLS handshake into XKS_PROXY_TIMED_OUT; the timeout itself is not what these tests measure.
 */
const PROXY_TIMEOUT_MS = 1000;
/** The smallest limits.maxBodyBytesInFlight (the body limit, 256 KiB): one held body fills it. */
const HELD_BODY_BYTES = 262_144;

/** One proxy key store per scenario: the emulator refuses two stores with the same endpoint and path (B3). */
const SCENARIOS = ['', '/tls-untrusted', '/tls-expired', '/tls-wrong-host', '/authz', '/blocked', '/rotated', '/nokeys', '/busy', '/hung'] as const;
type Scenario = (typeof SCENARIOS)[number];
/** spec A12: 20-30 chars of A-Z2-7, one access key id per key store. */
const akidFor = (prefix: string): string => `XKSE2E${prefix.replace(/[^a-z]/gi, '').toUpperCase()}`.padEnd(24, 'A');
const ROTATED_IN_AKID = 'XKSE2EROTATEDINZZZZZZZZZ';

interface StoreConfig {
  name: string;
  uriPrefix: string;
  regions: string[];
  credentials: { accessKeyId: string; secretAccessKey: string }[];
  keyDirectory: string;
  authorizationPolicy?: string;
  blocked?: { by: string; at: string; reason: string };
}
interface ProxyConfigFile {
  listen: { host: string; port: number; tls: { certFile: string; keyFile: string } };
  logging: { level: string };
  limits?: { maxBodyBytesInFlight: number; requestTimeoutMs: number };
  keyStores: StoreConfig[];
}

type LogLine = Record<string, unknown>;
const logLines = (p: ProxyProcess): LogLine[] =>
  p
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

/** The request line is written when the response has finished, possibly after the client has read it: poll. */
async function waitForLog(p: ProxyProcess, match: (l: LogLine) => boolean): Promise<LogLine> {
  return pollUntil('the expected proxy log line', () => logLines(p).findLast(match));
}

async function settle(kms: KMSClient, id: string): Promise<{ state?: string; code?: string }> {
  let last: string | undefined;
  return pollUntil(
    `store ${id} to settle`,
    async () => {
      const store = (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }))).CustomKeyStores?.[0];
      last = store?.ConnectionState;
      return store?.ConnectionState !== 'CONNECTING' && store?.ConnectionState !== 'DISCONNECTING' && { state: store?.ConnectionState, code: store?.ConnectionErrorCode };
    },
    { intervalMs: 25, describe: () => `ConnectionState ${last}` },
  );
}

describe('e2e: ConnectionErrorCode from a broken real proxy (xks serve + xks kms + @aws-sdk/client-kms)', { timeout: 600_000 }, () => {
  let dir: TempProxyDir;
  let certs: CertDir;
  let trustedCa: CertFiles;
  let goodCert: CertFiles;
  let proxy: ProxyProcess;
  let emulator: ProxyProcess;
  let kms: KMSClient;
  let proxyPort: number;
  let config: ProxyConfigFile;
  const servedCert = (): CertFiles => ({ cert: join(dir.dir, 'served.pem'), key: join(dir.dir, 'served-key.pem') });

  const baseConfig = (): ProxyConfigFile => ({
    listen: { host: '127.0.0.1', port: 0, tls: { certFile: 'served.pem', keyFile: 'served-key.pem' } },
    logging: { level: 'info' },
    keyStores: SCENARIOS.map((uriPrefix) => ({
      name: `scenario${uriPrefix.replace(/\//g, '-') || '-tls'}`,
      uriPrefix,
      regions: [TEST_REGION],
      credentials: [{ accessKeyId: akidFor(uriPrefix), secretAccessKey: TEST_SECRET }],
      keyDirectory: uriPrefix === '/nokeys' ? 'nokeys' : 'keys',
      // spec A14: a policy that allows only an application role; the emulator calls as user/xks-rehearsal.
      ...(uriPrefix === '/authz' && { authorizationPolicy: 'deny-policy.json' }),
    })),
  });

  const storeOf = (c: ProxyConfigFile, prefix: Scenario): StoreConfig => {
    const s = c.keyStores.find((k) => k.uriPrefix === prefix);
    assert.ok(s !== undefined, `no key store for ${prefix}`);
    return s;
  };

  /** Write the configuration and SIGHUP the proxy (started with --no-watch); resolve when the reload is logged. */
  const reload = async (next: ProxyConfigFile): Promise<void> => {
    config = next;
    writeFileSync(dir.configPath, JSON.stringify(next), { mode: 0o600 });
    const seen = (msg: string) => logLines(proxy).filter((l) => l['msg'] === msg).length;
    const [done, rejected] = [seen('configuration reloaded'), seen('configuration reload rejected; the previous configuration keeps serving')];
    proxy.child.kill('SIGHUP');
    await pollUntil('the proxy to log "configuration reloaded"', () => {
      assert.equal(seen('configuration reload rejected; the previous configuration keeps serving'), rejected, `reload rejected:\n${proxy.stdout().slice(-2000)}`);
      return seen('configuration reloaded') !== done;
    });
  };
  const mutate = (change: (c: ProxyConfigFile) => void): Promise<void> => {
    const next = structuredClone(config);
    change(next);
    return reload(next);
  };
  /** Serve `files` as the proxy's TLS certificate (a reload installs it; new connections get it). */
  const serveCertificate = async (files: CertFiles): Promise<void> => {
    copyFileSync(files.key, servedCert().key);
    copyFileSync(files.cert, servedCert().cert);
    await reload(config);
  };

  before(async () => {
    certs = createCertDir();
    trustedCa = certs.ca('trusted-ca');
    goodCert = certs.issue('good', { ca: trustedCa, cn: PROXY_HOST, usage: 'server' });
    dir = createTempProxyDir({ keys: [testKey('key-1')] });
    mkdirSync(join(dir.dir, 'nokeys'), { mode: 0o700 });
    writeFileSync(
      join(dir.dir, 'deny-policy.json'),
      JSON.stringify({ default: 'deny', rules: [{ id: 'only-app-role', effect: 'allow', when: { awsPrincipalArn: 'arn:aws:iam::*:role/app' } }] }),
    );
    copyFileSync(goodCert.key, servedCert().key);
    copyFileSync(goodCert.cert, servedCert().cert);
    config = baseConfig();
    writeFileSync(dir.configPath, JSON.stringify(config), { mode: 0o600 });
    proxy = await startProxyProcess(['serve', '--config', dir.configPath, '--no-watch']);
    proxyPort = Number(new URL(proxy.url).port);
    emulator = await startProxyProcess([
      'kms', '--port', '0', '--state', ':memory:', '--connecting-ms', '50', '--disconnecting-ms', '20',
      '--proxy-timeout-ms', String(PROXY_TIMEOUT_MS), '--dns', 'static',
      '--resolve', `${PROXY_HOST}=127.0.0.1:${proxyPort}`, '--ca-file', trustedCa.cert,
    ]);
    kms = new KMSClient({ endpoint: emulator.url, region: TEST_REGION, credentials: CALLER, maxAttempts: 1 });
  });

  after(async () => {
    kms?.destroy();
    if (proxy !== undefined && proxy.child.pid !== undefined) proxy.child.kill('SIGCONT');
    await Promise.all([emulator?.stop(), proxy?.stop()]);
    dir?.cleanup();
    certs?.cleanup();
  });

  /** CreateCustomKeyStore (probes the proxy's health: it must be healthy now). */
  const createStore = async (prefix: Scenario, accessKeyId = akidFor(prefix)): Promise<string> => {
    const out = await kms.send(
      new CreateCustomKeyStoreCommand({
        CustomKeyStoreName: `e2e${prefix.replace(/\//g, '-') || '-tls'}`,
        CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
        XksProxyConnectivity: 'PUBLIC_ENDPOINT',
        XksProxyUriEndpoint: ENDPOINT,
        XksProxyUriPath: `${prefix}/kms/xks/v1`,
        XksProxyAuthenticationCredential: { AccessKeyId: accessKeyId, RawSecretAccessKey: TEST_SECRET },
      }),
    );
    assert.ok(out.CustomKeyStoreId !== undefined);
    return out.CustomKeyStoreId;
  };
  const connect = async (id: string): Promise<{ state?: string; code?: string }> => {
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    return settle(kms, id);
  };
  /** FAILED -> Disconnect -> DISCONNECTED -> Delete: the emulator allows 10 stores per account (B3). */
  const dispose = async (id: string): Promise<void> => {
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    assert.equal((await settle(kms, id)).state, 'DISCONNECTED');
    await kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id }));
  };

  it('tls: https://<host> without a port, --resolve + --ca-file of the proxy CA -> CONNECTED; keys work over it', async () => {
    const id = await createStore('');
    assert.deepEqual(await connect(id), { state: 'CONNECTED', code: undefined });
    const key = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'key-1' }))).KeyMetadata;
    const e = await kms.send(new EncryptCommand({ KeyId: key?.KeyId, Plaintext: Buffer.from('over https') }));
    const d = await kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }));
    assert.equal(Buffer.from(d.Plaintext ?? []).toString(), 'over https');
    // The Connect probe reached the real proxy over TLS and passed its SigV4 check (signed host: no port, spec A12).
    const probe = await waitForLog(proxy, (l) => l['keyStore'] === 'scenario-tls' && l['kmsOperation'] === 'ConnectCustomKeyStore');
    assert.equal(probe['status'], 200);
  });

  const tlsBreaks: readonly { prefix: Scenario; what: string; cert: () => CertFiles }[] = [
    { prefix: '/tls-untrusted', what: 'certificate from a CA the emulator does not trust', cert: () => certs.issue('untrusted', { ca: certs.ca('rogue-ca'), cn: PROXY_HOST, usage: 'server' }) },
    { prefix: '/tls-expired', what: 'expired certificate from the trusted CA', cert: () => certs.issue('expired', { ca: trustedCa, cn: PROXY_HOST, usage: 'server', days: -1 }) },
    { prefix: '/tls-wrong-host', what: 'certificate for another host name from the trusted CA', cert: () => certs.issue('wrong-host', { ca: trustedCa, cn: 'other.e2e.test', usage: 'server' }) },
  ];
  for (const row of tlsBreaks) {
    it(`tls: proxy serves a ${row.what} -> FAILED XKS_PROXY_INVALID_TLS_CONFIGURATION`, async () => {
      const id = await createStore(row.prefix);
      await serveCertificate(row.cert());
      try {
        assert.deepEqual(await connect(id), { state: 'FAILED', code: 'XKS_PROXY_INVALID_TLS_CONFIGURATION' });
      } finally {
        await serveCertificate(goodCert);
      }
      await dispose(id);
    });
  }

  it('authz: deny policy -> Connect CONNECTED (health is exempt, A7/A14), CreateKey -> CustomKeyStoreInvalidStateException (A11)', async () => {
    const id = await createStore('/authz');
    assert.deepEqual(await connect(id), { state: 'CONNECTED', code: undefined });
    await assert.rejects(
      kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'key-1' })),
      (e: Error) => e.name === 'CustomKeyStoreInvalidStateException',
    );
    // The proxy refused GetKeyMetadata for CreateKey by its policy (403), and logged the deciding rule (A15).
    const denied = await waitForLog(proxy, (l) => l['keyStore'] === 'scenario-authz' && l['operation'] === 'GetKeyMetadata');
    assert.equal(denied['status'], 403);
    assert.equal(denied['errorName'], 'AccessDeniedException');
    assert.equal(denied['authzDecision'], 'deny');
    assert.equal(denied['kmsOperation'], 'CreateKey');
    await dispose(id);
  });

  it('kill switch: key store blocked in the config (reload) -> health InvalidStateException -> FAILED XKS_PROXY_INVALID_RESPONSE', async () => {
    const id = await createStore('/blocked');
    await mutate((c) => (storeOf(c, '/blocked').blocked = { by: 'e2e', at: '2026-11-28T12:00:00Z', reason: 'issue 5' }));
    assert.deepEqual(await connect(id), { state: 'FAILED', code: 'XKS_PROXY_INVALID_RESPONSE' });
    // The kill switch answers before the body is read, so the line carries the operation but no requestMetadata.
    const refused = await waitForLog(proxy, (l) => l['keyStore'] === 'scenario-blocked' && l['operation'] === 'GetHealthStatus' && l['status'] !== 200);
    assert.equal(refused['status'], 400);
    assert.equal(refused['errorName'], 'InvalidStateException');
    await dispose(id);
  });

  it('credentials: the store\'s access key id rotated out of the proxy (reload) -> 401 -> FAILED INVALID_CREDENTIALS', async () => {
    const id = await createStore('/rotated');
    await mutate((c) => (storeOf(c, '/rotated').credentials = [{ accessKeyId: ROTATED_IN_AKID, secretAccessKey: TEST_SECRET }]));
    assert.deepEqual(await connect(id), { state: 'FAILED', code: 'INVALID_CREDENTIALS' });
    await dispose(id);
  });

  it('key manager: key directory (holding no key) replaced by a file (reload rejected, deep check rerun) -> every ekmFleetDetails UNAVAILABLE -> FAILED XKS_PROXY_NOT_REACHABLE', async () => {
    const id = await createStore('/nokeys');
    const keyDir = join(dir.dir, 'nokeys');
    rmSync(keyDir, { recursive: true, force: true });
    writeFileSync(keyDir, 'not a directory');
    // The reload is rejected (a key directory that is not a directory never replaces a serving one, docs/keys.md
    // "Guarantees"), and the deep health check runs again at once: this store has no key in memory to serve.
    const rejected = () => logLines(proxy).filter((l) => l['msg'] === 'configuration reload rejected; the previous configuration keeps serving').length;
    const before = rejected();
    proxy.child.kill('SIGHUP');
    await pollUntil('the proxy to reject the reload', () => rejected() !== before);
    // The proxy itself still answers 200: it is its key manager that is gone.
    const health = await signedXksRequest(`https://127.0.0.1:${proxyPort}`, '/nokeys/kms/xks/v1/health', healthBody, {
      tls: { ca: certs.read(trustedCa.cert), servername: PROXY_HOST },
      host: PROXY_HOST,
      accessKeyId: akidFor('/nokeys'),
      secret: TEST_SECRET,
    });
    assert.equal(health.status, 200);
    assert.deepEqual((health.body['ekmFleetDetails'] as { healthStatus: string }[]).map((e) => e.healthStatus), ['UNAVAILABLE']);
    assert.deepEqual(await connect(id), { state: 'FAILED', code: 'XKS_PROXY_NOT_REACHABLE' });
    await dispose(id);
    rmSync(keyDir);
    mkdirSync(keyDir, { mode: 0o700 });
    await reload(config);
  });

  it('throttling: proxy overloaded (limits.maxBodyBytesInFlight full: reload to 256 KiB, one body held) -> health 429 -> FAILED XKS_PROXY_TIMED_OUT', async () => {
    // The per-store quota never applies to health, and the concurrency bound counts only authenticated requests
    // being processed (issue 10); bodies still arriving have their own budget, which does answer health with 429.
    const id = await createStore('/busy');
    await mutate((c) => (c.limits = { maxBodyBytesInFlight: HELD_BODY_BYTES, requestTimeoutMs: 60_000 }));
    const held = await holdRequest('/busy/kms/xks/v1/health', akidFor('/busy'));
    try {
      // Wait until the proxy has received the held body: our own health call is then refused with 429.
      const ours = () =>
        signedXksRequest(`https://127.0.0.1:${proxyPort}`, '/busy/kms/xks/v1/health', healthBody, {
          tls: { ca: certs.read(trustedCa.cert), servername: PROXY_HOST },
          host: PROXY_HOST,
          accessKeyId: akidFor('/busy'),
          secret: TEST_SECRET,
        });
      let last = 0;
      const r = await pollUntil('our health call to be refused with 429 while the body is held', async () => {
        const answer = await ours();
        last = answer.status;
        return answer.status === 429 && answer;
      }, { describe: () => `status ${last}` });
      assert.equal(r.body['errorName'], 'ThrottlingException');
      assert.deepEqual(await connect(id), { state: 'FAILED', code: 'XKS_PROXY_TIMED_OUT' });
    } finally {
      held.destroy();
      await mutate((c) => delete c.limits);
    }
    await dispose(id);
  });

  it('hung proxy: process stopped (SIGSTOP), TCP still accepted by the kernel -> no answer in time -> FAILED XKS_PROXY_TIMED_OUT', async () => {
    const id = await createStore('/hung');
    proxy.child.kill('SIGSTOP');
    try {
      assert.deepEqual(await connect(id), { state: 'FAILED', code: 'XKS_PROXY_TIMED_OUT' });
    } finally {
      proxy.child.kill('SIGCONT');
    }
    await dispose(id);
  });

  /**
   * Send a signed request's headers and all of its declared body but the last byte: the proxy holds
   * HELD_BODY_BYTES - 1 bytes against limits.maxBodyBytesInFlight until the socket is destroyed.
   */
  async function holdRequest(path: string, accessKeyId: string): Promise<TLSSocket> {
    const body = JSON.stringify({ ...healthBody, padding: 'x'.repeat(HELD_BODY_BYTES - JSON.stringify(healthBody).length - 13) });
    assert.equal(Buffer.byteLength(body), HELD_BODY_BYTES);
    const signed = aws4.sign(
      { host: PROXY_HOST, method: 'POST', path, service: 'kms-xks-proxy', region: TEST_REGION, headers: { 'Content-Type': 'application/json' }, body },
      { accessKeyId, secretAccessKey: TEST_SECRET },
    );
    const socket = tlsConnect({ host: '127.0.0.1', port: proxyPort, servername: PROXY_HOST, ca: readFileSync(trustedCa.cert) });
    await new Promise<void>((ok, fail) => {
      socket.once('secureConnect', ok);
      socket.once('error', fail);
    });
    socket.on('error', () => undefined);
    const head = Object.entries(signed.headers ?? {})
      .filter(([k]) => k.toLowerCase() !== 'content-length')
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join('\r\n');
    socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\nContent-Length: ${HELD_BODY_BYTES}\r\n\r\n${body.slice(0, -1)}`);
    return socket;
  }
});
