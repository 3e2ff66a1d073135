import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import { TLS12_SUITES, TLS13_SUITES } from '../../src/proxy/transport/tls-policy.js';
import { createCertDir, type CertDir, type CertFiles } from '../support/certs.js';
import { startInProcessProxy, type InProcessProxy } from '../support/in-process-proxy.js';
import { TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET, testKey } from '../support/test-app.js';
import { healthBody, probeTls, signedXksRequest } from '../support/tls-client.js';

let certs: CertDir;
let ca: CertFiles;
let rsa: InProcessProxy;
let ec: InProcessProxy;

const tlsConfig = (server: CertFiles) => () => ({
  listen: { host: '127.0.0.1', port: 0, tls: { certFile: server.cert, keyFile: server.key } },
});

before(async () => {
  certs = createCertDir();
  ca = certs.ca('server-ca');
  const rsaServer = certs.issue('rsa-server', { ca, cn: 'localhost', keyType: 'rsa', usage: 'server' });
  const ecServer = certs.issue('ec-server', { ca, cn: 'localhost', keyType: 'ec', usage: 'server' });
  // Copies, so the reload test can replace the files the EC proxy serves.
  copyFileSync(ecServer.cert, `${certs.dir}/served.pem`);
  copyFileSync(ecServer.key, `${certs.dir}/served-key.pem`);
  rsa = await startInProcessProxy({ keys: [testKey('k1')], config: tlsConfig(rsaServer) });
  ec = await startInProcessProxy({ keys: [testKey('k1')], config: tlsConfig({ cert: `${certs.dir}/served.pem`, key: `${certs.dir}/served-key.pem` }), watch: true });
});
after(async () => {
  await rsa.stop();
  await ec.stop();
  certs.cleanup();
});

const trust = () => ({ ca: certs.read(ca.cert) });

test('tls: RSA certificate, default client -> TLS 1.3 with a spec A1 suite, ALPN http/1.1, /ping answers', async () => {
  assert.match(rsa.proxy.url, /^https:\/\//);
  const r = await probeTls(rsa.proxy.port, { ...trust(), ALPNProtocols: ['h2', 'http/1.1'] });
  assert.equal(r.ok, true, r.error);
  assert.equal(r.protocol, 'TLSv1.3');
  assert.ok(TLS13_SUITES.includes(r.cipher ?? ''), r.cipher);
  assert.equal(r.alpn, 'http/1.1');
  assert.equal(r.httpStatusLine, 'HTTP/1.1 200 OK');
});

test('tls: TLS 1.2 client -> ECDHE-RSA-AES256-GCM-SHA384 (RSA key) and ECDHE-ECDSA-AES256-GCM-SHA384 (EC key)', async () => {
  const r = await probeTls(rsa.proxy.port, { ...trust(), maxVersion: 'TLSv1.2' });
  assert.equal(r.ok, true, r.error);
  assert.equal(r.protocol, 'TLSv1.2');
  assert.equal(r.cipher, 'ECDHE-RSA-AES256-GCM-SHA384');
  const e = await probeTls(ec.proxy.port, { ...trust(), maxVersion: 'TLSv1.2' });
  assert.equal(e.ok, true, e.error);
  assert.equal(e.cipher, 'ECDHE-ECDSA-AES256-GCM-SHA384');
  assert.ok(TLS12_SUITES.includes(e.cipher ?? ''));
  const e13 = await probeTls(ec.proxy.port, { ...trust(), ciphers: 'TLS_CHACHA20_POLY1305_SHA256' });
  assert.equal(e13.cipher, 'TLS_CHACHA20_POLY1305_SHA256', e13.error);
});

test('tls: client offering only TLS 1.1 (or 1.0) -> handshake refused by a protocol_version alert', async () => {
  // SECLEVEL=0 so the client really offers TLS 1.0/1.1 (OpenSSL 3 would otherwise refuse before sending a byte).
  const r = await probeTls(rsa.proxy.port, { ...trust(), minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
  assert.equal(r.ok, false);
  assert.equal(r.protocol, undefined, 'no TLS session was established');
  assert.match(r.code ?? r.error ?? '', /ALERT_PROTOCOL_VERSION|protocol version/i, r.error);
});

test('tls: suites outside spec A1 -> handshake refused (AES128-GCM-SHA256, ECDHE-RSA-AES128-GCM-SHA256, TLS_AES_128_GCM_SHA256)', async () => {
  for (const ciphers of ['AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'AES256-GCM-SHA384']) {
    const r = await probeTls(rsa.proxy.port, { ...trust(), maxVersion: 'TLSv1.2', ciphers });
    assert.equal(r.ok, false, ciphers);
    assert.match(r.code ?? r.error ?? '', /HANDSHAKE_FAILURE|handshake failure/i, `${ciphers}: ${r.error}`);
  }
  const r13 = await probeTls(rsa.proxy.port, { ...trust(), minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' });
  assert.equal(r13.ok, false);
  assert.match(r13.code ?? r13.error ?? '', /HANDSHAKE_FAILURE|handshake failure/i, r13.error);
});

test('tls: signed XKS request over HTTPS (node https + aws4) -> 200', async () => {
  const r = await signedXksRequest(rsa.proxy.url, '/kms/xks/v1/health', healthBody, { tls: trust() });
  assert.equal(r.status, 200);
  assert.equal((r.body.ekmFleetDetails as { healthStatus: string }[])[0]?.healthStatus, 'ACTIVE');
});

/** Async: the proxy runs in this process, so a blocking spawnSync would starve it. */
function curl(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', ...args], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

test('tls: curl --cacert over TLS 1.2 and 1.3 -> signed health 200; curl --tls-max 1.1 -> refused', async () => {
  const port = rsa.proxy.port;
  const common = ['--cacert', ca.cert, '--resolve', `localhost:${port}:127.0.0.1`];
  const signed = [
    '--aws-sigv4', `aws:amz:${TEST_REGION}:kms-xks-proxy`, '--user', `${TEST_ACCESS_KEY_ID}:${TEST_SECRET}`,
    '-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(healthBody), `https://localhost:${port}/kms/xks/v1/health`,
  ];
  for (const version of [['--tlsv1.3'], ['--tlsv1.2', '--tls-max', '1.2']]) {
    const r = await curl([...common, ...version, ...signed]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /"healthStatus":"ACTIVE"[\s\S]*\n200$/, r.stdout);
  }
  const old = await curl([...common, '--tlsv1.0', '--tls-max', '1.1', '--ciphers', 'DEFAULT@SECLEVEL=0', `https://localhost:${port}/ping`]);
  assert.notEqual(old.status, 0, 'curl must fail');
  assert.match(old.stderr, /alert|protocol|handshake|SSL/i, old.stderr);
});

test('tls: certificate files replaced -> reloaded without a restart; new connections see the new certificate', async () => {
  const before = await probeTls(ec.proxy.port, trust());
  assert.equal(before.ok, true, before.error);
  const since = ec.logs.length;
  const next = certs.issue('ec-server-2', { ca, cn: 'localhost', dnsNames: ['localhost', 'xks.example.com'], keyType: 'rsa', usage: 'server' });
  copyFileSync(next.key, `${certs.dir}/served-key.pem`);
  copyFileSync(next.cert, `${certs.dir}/served.pem`);
  await ec.waitForLog('TLS certificates loaded', since);
  const fingerprint = new X509Certificate(certs.read(next.cert)).fingerprint256;
  const seen = await new Promise<string>((resolve, reject) => {
    import('node:tls').then(({ connect }) => {
      const s = connect({ host: '127.0.0.1', port: ec.proxy.port, servername: 'localhost', ...trust() }, () => {
        resolve(s.getPeerX509Certificate()?.fingerprint256 ?? '');
        s.destroy();
      });
      s.once('error', reject);
    }, reject);
  });
  assert.equal(seen, fingerprint);
  const r = await probeTls(ec.proxy.port, { ...trust(), maxVersion: 'TLSv1.2' });
  assert.equal(r.cipher, 'ECDHE-RSA-AES256-GCM-SHA384', 'now serving the RSA certificate');
});

test('tls: a key that does not match the certificate -> reload rejected, every problem logged, old certificate keeps serving', async () => {
  const since = ec.logs.length;
  const other = certs.issue('unrelated', { ca, cn: 'localhost', keyType: 'rsa', usage: 'server' });
  copyFileSync(other.key, `${certs.dir}/served-key.pem`);
  const line = await ec.waitForLog('configuration reload rejected; the previous configuration keeps serving', since);
  assert.match(JSON.stringify(line.problems), /do not make a usable TLS context/);
  const r = await probeTls(ec.proxy.port, trust());
  assert.equal(r.ok, true, r.error);
});
