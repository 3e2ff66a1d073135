/**
 * Issue 21, finding 8: examples/haproxy-mtls-terminate.cfg with the real haproxy binary in front of a real
 * `xks serve` (plain HTTP on loopback). HAProxy terminates TLS and mTLS: a client certificate from the client CA
 * with CN cks.kms.us-east-1.amazonaws.com gets through (a signed XKS request answered 200); an expired, a
 * self-signed and a wrong-CA certificate get a TLS alert from HAProxy (TLS 1.2 and 1.3); a wrong-subject one is
 * cut right after the handshake (HAProxy cannot refuse a subject inside it). None of those reaches the proxy: every
 * probe asks for its own path and the proxy's request log must not contain it (the valid probe's path must).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect, type ConnectionOptions } from 'node:tls';
import { createCertDir, type CertDir, type CertFiles } from '../support/certs.js';
import { startHaproxy, type RunningHaproxy } from '../support/haproxy.js';
import { createTempProxyDir, startProxyProcess, type ProxyProcess, type TempProxyDir } from '../support/proxy-process.js';
import { healthBody, signedXksRequest } from '../support/tls-client.js';
import { testKey } from '../support/test-app.js';

let certs: CertDir;
let serverCa: CertFiles;
let dir: TempProxyDir;
let proxy: ProxyProcess;
let lb: RunningHaproxy;
const client: Record<string, CertFiles> = {};

before(async () => {
  certs = createCertDir();
  serverCa = certs.ca('server-ca');
  const clientCa = certs.ca('client-ca', { keyType: 'rsa' });
  const otherCa = certs.ca('other-ca');
  const server = certs.issue('server', { ca: serverCa, cn: 'localhost', usage: 'server' });
  writeFileSync(join(certs.dir, 'server-combined.pem'), Buffer.concat([certs.read(server.cert), certs.read(server.key)]));
  client.valid = certs.issue('kms', { ca: clientCa, cn: 'cks.kms.us-east-1.amazonaws.com', usage: 'client' });
  client.expired = certs.issue('expired', { ca: clientCa, cn: 'cks.kms.us-east-1.amazonaws.com', usage: 'client', days: -1 });
  client.selfSigned = certs.issue('self-signed', { ca: undefined, cn: 'cks.kms.us-east-1.amazonaws.com', usage: 'client' });
  client.wrongCa = certs.issue('wrong-ca', { ca: otherCa, cn: 'cks.kms.us-east-1.amazonaws.com', usage: 'client' });
  client.wrongSubject = certs.issue('wrong-subject', { ca: clientCa, cn: 'cks.kms.eu-west-1.amazonaws.com', usage: 'client' });
  dir = createTempProxyDir({ keys: [testKey('k1')], logLevel: 'info' });
  proxy = await startProxyProcess(['serve', '--config', dir.configPath], { timeoutMs: 60_000 });
  const replica = new URL(proxy.url).host;
  lb = await startHaproxy('haproxy-mtls-terminate.cfg', {
    XKS_REPLICA_A: replica,
    XKS_REPLICA_B: replica,
    XKS_TLS_PEM: join(certs.dir, 'server-combined.pem'),
    XKS_CLIENT_CA: clientCa.cert,
    XKS_KMS_REGION: 'us-east-1',
  });
  await lb.waitFor('replica-a', 'UP');
});
after(async () => {
  await Promise.all([lb?.stop(), proxy?.stop()]);
  dir?.cleanup();
  certs?.cleanup();
});

interface Probe {
  readonly statusLine?: string;
  readonly error?: string;
  readonly handshakeDone: boolean;
}

/** Handshake with HAProxy, then GET `path`; the first response line, or the error that ended the connection. */
function probe(path: string, options: ConnectionOptions): Promise<Probe> {
  return new Promise((resolve) => {
    let data = '';
    let handshakeDone = false;
    let settled = false;
    const done = (p: Probe) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(p);
    };
    const socket = connect({ host: '127.0.0.1', port: lb.frontendPort, servername: 'localhost', ca: certs.read(serverCa.cert), ...options });
    socket.once('secureConnect', () => {
      handshakeDone = true;
      socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      if (data.includes('\r\n')) done({ statusLine: data.split('\r\n')[0], handshakeDone });
    });
    socket.once('error', (e) => done({ error: e.message, handshakeDone }));
    socket.once('close', () => done({ error: 'closed without an HTTP response', handshakeDone }));
    socket.setTimeout(10_000, () => done({ error: 'timeout', handshakeDone }));
  });
}
let barriers = 0;
/** A valid request after the refused ones, waited for in the proxy's log: anything sent before it is logged by then. */
async function barrier(): Promise<void> {
  const path = `/probe-barrier-${++barriers}`;
  assert.equal((await probe(path, withCert(client.valid))).statusLine, 'HTTP/1.1 404 Not Found');
  await until(() => proxy.stdout().includes(path), `the proxy logged ${path}`);
}
const withCert = (c: CertFiles | undefined): ConnectionOptions => (c === undefined ? {} : { cert: certs.read(c.cert), key: certs.read(c.key) });
/** A 60 s hang guard, not a timing assertion. */
async function until(probe: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 60_000;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('haproxy mTLS: the valid client certificate gets through (GET reaches the proxy; a signed XKS request -> 200)', async () => {
  for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
    // An unknown path: the proxy itself answers 404 and logs it (HAProxy has no such answer of its own).
    const path = `/probe-valid-${maxVersion}`;
    const p = await probe(path, { ...withCert(client.valid), maxVersion });
    assert.equal(p.statusLine, 'HTTP/1.1 404 Not Found', `${maxVersion}: ${p.error}`);
    await until(() => proxy.stdout().includes(path), `the proxy logged ${path}`);
  }
  const r = await signedXksRequest(`https://127.0.0.1:${lb.frontendPort}`, '/kms/xks/v1/health', healthBody, {
    tls: { ca: certs.read(serverCa.cert), ...withCert(client.valid) },
  });
  assert.equal(r.status, 200);
  await until(() => proxy.stdout().includes('"kmsRequestId":"tls-1"'), 'the proxy to log the health request');
});

for (const [name, label, alert] of [
  ['expired', 'expired certificate', /alert certificate expired/],
  ['selfSigned', 'self-signed certificate', /alert unknown ca/],
  ['wrongCa', 'certificate from another CA', /alert unknown ca/],
  ['none', 'no client certificate', /alert/],
] as const) {
  test(`haproxy mTLS: ${label} -> TLS alert from HAProxy (TLS 1.2 and 1.3), the proxy sees no request`, async () => {
    for (const maxVersion of ['TLSv1.2', '1.3'] as const) {
      const path = `/kms/xks/v1/health?probe-${name}-${maxVersion}`;
      const p = await probe(path, { ...withCert(name === 'none' ? undefined : client[name]), maxVersion: maxVersion === '1.3' ? 'TLSv1.3' : 'TLSv1.2' });
      assert.equal(p.statusLine, undefined, `${maxVersion}: no HTTP answer`);
      assert.match(p.error ?? '', alert, `${maxVersion}: ${p.error}`);
    }
    await barrier();
    assert.equal(proxy.stdout().includes(`probe-${name}`), false, 'the proxy saw the request');
  });
}

test('haproxy mTLS: a subject other than cks.kms.us-east-1.amazonaws.com -> connection closed after the handshake, the proxy sees no request', async () => {
  for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
    const p = await probe(`/kms/xks/v1/health?probe-subject-${maxVersion}`, { ...withCert(client.wrongSubject), maxVersion });
    assert.equal(p.statusLine, undefined, `${maxVersion}: no HTTP answer`);
    assert.ok(p.error !== undefined, maxVersion);
  }
  await barrier();
  assert.equal(proxy.stdout().includes('probe-subject'), false, 'the proxy saw the request');
});
