import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { keyFileName, serializeKeyFile } from '../../src/proxy/keystore/key-file.js';
import { createCertDir, type CertDir, type CertFiles } from '../support/certs.js';
import { freePort, startHaproxy, type RunningHaproxy } from '../support/haproxy.js';
import { createTempProxyDir, startProxyProcess, type ProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { encryptBody, requestMetadata, signedPost, type SignedPostOptions } from '../support/signed-post.js';
import { testKey } from '../support/test-app.js';
import { pollUntil } from '../support/poll-until.js';

/**
 * docs/operations.md "A fleet behind HAProxy", built for real on loopback: two `xks serve` replicas sharing one
 * configuration and key directory, the real haproxy binary in front with the configurations of examples/.
 * No Docker; every process is started and stopped here.
 */
let certs: CertDir;
let ca: CertFiles;
let dir: TempProxyDir;
const ports: Record<'a' | 'b', number> = { a: 0, b: 0 };
const replicas: Partial<Record<'a' | 'b', ProxyProcess>> = {};
let lb: RunningHaproxy;
let lbTls: RunningHaproxy;
const extra: { stop(): Promise<unknown> }[] = [];

const startReplica = async (name: 'a' | 'b') => {
  replicas[name] = await startProxyProcess(['serve', '--config', dir.configPath, '--port', String(ports[name])], { timeoutMs: 60_000 });
};

before(async () => {
  certs = createCertDir();
  ca = certs.ca('ca');
  const server = certs.issue('server', { ca, cn: 'localhost', usage: 'server' });
  writeFileSync(join(certs.dir, 'server-combined.pem'), Buffer.concat([certs.read(server.cert), certs.read(server.key)]));
  dir = createTempProxyDir({ keys: [testKey('k1'), testKey('kd')], logLevel: 'info' });
  ports.a = await freePort();
  ports.b = await freePort();
  await Promise.all([startReplica('a'), startReplica('b')]);
  const env = { XKS_REPLICA_A: `127.0.0.1:${ports.a}`, XKS_REPLICA_B: `127.0.0.1:${ports.b}` };
  [lb, lbTls] = await Promise.all([startHaproxy('haproxy.cfg', env), startHaproxy('haproxy-tls-terminate.cfg', { ...env, XKS_TLS_PEM: join(certs.dir, 'server-combined.pem') })]);
  await Promise.all([lb.waitFor('replica-a', 'UP'), lb.waitFor('replica-b', 'UP')]);
});
after(async () => {
  await Promise.all([lb?.stop(), lbTls?.stop(), replicas.a?.stop(), replicas.b?.stop(), ...extra.map((e) => e.stop())]);
  dir?.cleanup();
  certs?.cleanup();
});

/** One KMS-like client: Encrypt, then Decrypt of what came back, over its own keep-alive connection. */
async function roundTrip(base: string, n: number, options: SignedPostOptions): Promise<string | undefined> {
  const enc = await signedPost(base, '/kms/xks/v1/keys/k1/encrypt', encryptBody(`load-${n}`), options);
  if (enc.status !== 200) return `encrypt ${enc.status} ${enc.body}`;
  const e = JSON.parse(enc.body) as Record<string, string>;
  const dec = await signedPost(
    base,
    '/kms/xks/v1/keys/k1/decrypt',
    {
      requestMetadata: requestMetadata('Decrypt', `load-${n}`),
      ciphertext: e.ciphertext,
      ciphertextMetadata: e.ciphertextMetadata,
      initializationVector: e.initializationVector,
      authenticationTag: e.authenticationTag,
      encryptionAlgorithm: 'AES_GCM',
    },
    options,
  );
  if (dec.status !== 200) return `decrypt ${dec.status} ${dec.body}`;
  return JSON.parse(dec.body).plaintext === encryptBody().plaintext ? undefined : 'decrypt returned other plaintext';
}

function startLoad(base: string, clients: number, options: SignedPostOptions = {}) {
  const result = { ok: 0, failures: [] as string[] };
  let running = true;
  const loops = Array.from({ length: clients }, async (_, c) => {
    const agent = base.startsWith('https:') ? new HttpsAgent({ keepAlive: true, maxSockets: 1 }) : new Agent({ keepAlive: true, maxSockets: 1 });
    for (let n = 0; running; n++) {
      const failure = await roundTrip(base, c * 1_000_000 + n, { ...options, agent }).catch((e: Error) => `request error ${e.message}`);
      if (failure === undefined) {
        result.ok += 2;
        continue;
      }
      result.failures.push(failure);
      // Bounded: a broken setup ends the run instead of spinning.
      if (result.failures.length >= 20) running = false;
      await new Promise((r) => setTimeout(r, 20));
    }
    agent.destroy();
  });
  return {
    result,
    async stop() {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}

const served = (p: ProxyProcess | undefined) => (p?.stdout().match(/"msg":"xks request"/g) ?? []).length;

test('haproxy fleet: a replica SIGKILLed under steady signed load -> 0 failed requests; marked DOWN, UP again after restart', async () => {
  const base = `http://127.0.0.1:${lb.frontendPort}`;
  const load = startLoad(base, 4);
  try {
    await pollUntil('load on both replicas', () => served(replicas.a) >= 10 && served(replicas.b) >= 10);
    replicas.a?.child.kill('SIGKILL');
    const atKill = load.result.ok;
    await lb.waitFor('replica-a', 'DOWN');
    await pollUntil('requests served by replica b alone', () => load.result.ok >= atKill + 20);
    await startReplica('a');
    await lb.waitFor('replica-a', 'UP');
    // The restarted replica takes its share of the load again.
    await pollUntil('the restarted replica to serve', () => served(replicas.a) >= 10);
  } finally {
    const { ok, failures } = await load.stop();
    assert.deepEqual(failures, [], `${failures.length} failed of ${ok + failures.length}`);
    assert.ok(ok >= 60, `only ${ok} requests`);
  }
  // No failure because HAProxy sent the requests that hit the dead replica again, to the live one.
  const { retries, redispatches } = await lb.retries();
  assert.ok(retries + redispatches > 0, `retries ${retries}, redispatches ${redispatches}`);
});

test('haproxy fleet: a key disabled in the shared key directory is refused by both replicas, without a restart', async () => {
  const direct = (name: 'a' | 'b') => signedPost(`http://127.0.0.1:${ports[name]}`, '/kms/xks/v1/keys/kd/encrypt', encryptBody());
  for (const name of ['a', 'b'] as const) assert.equal((await direct(name)).status, 200);
  writeFileSync(join(dir.keyDir, keyFileName('kd')), serializeKeyFile(testKey('kd', { status: 'DISABLED' })), { mode: 0o600 });
  // The replicas learn of the change only from their key directory watch (no periodic rescan, no restart), so any
  // refusal proves it; the 60 s bound is a hang guard (about a second when the machine is idle).
  for (const name of ['a', 'b'] as const) {
    let last = '';
    await pollUntil(`replica ${name} to refuse the disabled key`, async () => {
      const r = await direct(name);
      last = `${r.status} ${r.body}`;
      return r.status === 400 && (JSON.parse(r.body) as { errorName?: string }).errorName === 'InvalidStateException';
    }, { timeoutMs: 60_000, intervalMs: 50, describe: () => last });
  }
  const viaLb = await signedPost(`http://127.0.0.1:${lb.frontendPort}`, '/kms/xks/v1/keys/kd/encrypt', encryptBody());
  assert.equal(JSON.parse(viaLb.body).errorName, 'InvalidStateException');
});

test('haproxy fleet, TLS terminated by HAProxy: signed requests over HTTPS reach the plain-HTTP replicas', async () => {
  const base = `https://127.0.0.1:${lbTls.frontendPort}`;
  await Promise.all([lbTls.waitFor('replica-a', 'UP'), lbTls.waitFor('replica-b', 'UP')]);
  const tls = { ca: certs.read(ca.cert) };
  const load = startLoad(base, 2, tls);
  await pollUntil('10 round trips over TLS', () => load.result.ok >= 20 || load.result.failures.length > 0);
  const { failures } = await load.stop();
  assert.deepEqual(failures, []);
  // The same port does not speak plain HTTP.
  await assert.rejects(signedPost(`http://127.0.0.1:${lbTls.frontendPort}`, '/kms/xks/v1/health', { requestMetadata: requestMetadata('KmsHealthCheck') }, { timeoutMs: 3000 }));
});

test('haproxy fleet, TLS passthrough (TCP mode): mTLS is enforced by the replicas behind HAProxy', async () => {
  const clientCa = certs.ca('client-ca');
  const kms = certs.issue('kms', { ca: clientCa, cn: 'cks.kms.us-east-1.amazonaws.com', usage: 'client' });
  const checker = certs.issue('lb-check', { ca: clientCa, cn: 'lb-health-check.internal', usage: 'client' });
  const intruder = certs.issue('intruder', { ca: clientCa, cn: 'intruder.example.com', usage: 'client' });
  const server = certs.issue('server-pt', { ca, cn: 'localhost', usage: 'server' });
  writeFileSync(join(certs.dir, 'lb-check-combined.pem'), Buffer.concat([certs.read(checker.cert), certs.read(checker.key)]));
  const tlsDir = createTempProxyDir({ keys: [testKey('k1')] });
  extra.push({ stop: async () => tlsDir.cleanup() });
  const config = JSON.parse(readFileSync(tlsDir.configPath, 'utf8')) as Record<string, unknown>;
  config.listen = {
    host: '127.0.0.1',
    port: 0,
    tls: {
      certFile: server.cert,
      keyFile: server.key,
      clientAuth: { caFile: clientCa.cert, allowedSubjects: ['cks.kms.*.amazonaws.com', 'lb-health-check.internal'] },
    },
  };
  writeFileSync(tlsDir.configPath, JSON.stringify(config));
  const pt = { a: await freePort(), b: await freePort() };
  const [a, b] = await Promise.all(
    (['a', 'b'] as const).map((n) => startProxyProcess(['serve', '--config', tlsDir.configPath, '--port', String(pt[n])], { timeoutMs: 60_000 })),
  );
  extra.push(a as ProxyProcess, b as ProxyProcess);
  const lbPt = await startHaproxy('haproxy-tls-passthrough.cfg', {
    XKS_REPLICA_A: `127.0.0.1:${pt.a}`,
    XKS_REPLICA_B: `127.0.0.1:${pt.b}`,
    XKS_CHECK_PEM: join(certs.dir, 'lb-check-combined.pem'),
  });
  extra.push(lbPt);
  // The health check itself passes the replicas' mTLS with its own certificate.
  await Promise.all([lbPt.waitFor('replica-a', 'UP'), lbPt.waitFor('replica-b', 'UP')]);
  const base = `https://127.0.0.1:${lbPt.frontendPort}`;
  const as = (c: CertFiles | undefined) => ({ ca: certs.read(ca.cert), ...(c !== undefined && { cert: certs.read(c.cert), key: certs.read(c.key) }) });
  for (let i = 0; i < 4; i++) {
    const r = await signedPost(base, '/kms/xks/v1/keys/k1/encrypt', encryptBody(), { ...as(kms), agent: undefined });
    assert.equal(r.status, 200, r.body);
  }
  // Without a client certificate, or with one whose subject is not allowed, the replica closes the connection.
  await assert.rejects(signedPost(base, '/kms/xks/v1/keys/k1/encrypt', encryptBody(), { ...as(undefined), timeoutMs: 5000 }));
  await assert.rejects(signedPost(base, '/kms/xks/v1/keys/k1/encrypt', encryptBody(), { ...as(intruder), timeoutMs: 5000 }));
  const refusals = `${a?.stdout() ?? ''}${b?.stdout() ?? ''}`;
  assert.match(refusals, /mTLS client (certificate refused|subject not allowed)/);
});
