import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { createCertDir, type CertDir, type CertFiles } from '../support/certs.js';
import { startInProcessProxy, type InProcessProxy } from '../support/in-process-proxy.js';
import { TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET, testKey } from '../support/test-app.js';
import { healthBody, probeTls, signedXksRequest } from '../support/tls-client.js';

let certs: CertDir;
let serverCa: CertFiles;
let clientCa: CertFiles;
let proxy: InProcessProxy;
const client: Record<string, CertFiles> = {};

before(async () => {
  certs = createCertDir();
  serverCa = certs.ca('server-ca');
  clientCa = certs.ca('client-ca', { keyType: 'rsa' });
  const otherCa = certs.ca('other-ca');
  const server = certs.issue('server', { ca: serverCa, cn: 'localhost', usage: 'server' });
  // spec A13: KMS presents CN=cks.kms.<region>.amazonaws.com.
  client.kmsEuWest1 = certs.issue('kms-eu-west-1', { ca: clientCa, cn: 'cks.kms.eu-west-1.amazonaws.com', usage: 'client' });
  client.sanOnly = certs.issue('san-only', { ca: clientCa, cn: 'not-a-dns-name', dnsNames: ['cks.kms.us-east-1.amazonaws.com'], usage: 'client' });
  client.twoLabels = certs.issue('two-labels', { ca: clientCa, cn: 'cks.kms.a.b.amazonaws.com', usage: 'client' });
  client.otherSubject = certs.issue('other-subject', { ca: clientCa, cn: 'intruder.example.com', usage: 'client' });
  client.otherCa = certs.issue('from-other-ca', { ca: otherCa, cn: 'cks.kms.eu-west-1.amazonaws.com', usage: 'client' });
  client.expired = certs.issue('expired', { ca: clientCa, cn: 'cks.kms.eu-west-1.amazonaws.com', usage: 'client', days: -1 });
  client.selfSigned = certs.issue('self-signed', { ca: undefined, cn: 'cks.kms.eu-west-1.amazonaws.com', usage: 'client' });
  proxy = await startInProcessProxy({
    keys: [testKey('k1')],
    config: () => ({
      listen: {
        host: '127.0.0.1',
        port: 0,
        tls: { certFile: server.cert, keyFile: server.key, clientAuth: { caFile: clientCa.cert, allowedSubjects: ['cks.kms.*.amazonaws.com'] } },
      },
    }),
  });
});
after(async () => {
  await proxy.stop();
  certs.cleanup();
});

const withClient = (c: CertFiles | undefined) => ({
  ca: certs.read(serverCa.cert),
  ...(c !== undefined && { cert: certs.read(c.cert), key: certs.read(c.key) }),
});

test('mtls: allowed subject (CN cks.kms.eu-west-1.amazonaws.com, pattern cks.kms.*.amazonaws.com) -> signed request 200', async () => {
  const r = await signedXksRequest(proxy.proxy.url, '/kms/xks/v1/health', healthBody, { tls: withClient(client.kmsEuWest1) });
  assert.equal(r.status, 200);
  for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
    const p = await probeTls(proxy.proxy.port, { ...withClient(client.kmsEuWest1), maxVersion });
    assert.equal(p.httpStatusLine, 'HTTP/1.1 200 OK', `${maxVersion}: ${p.error}`);
  }
});

test('mtls: allowed name only in the SAN DNS names -> accepted', async () => {
  const p = await probeTls(proxy.proxy.port, withClient(client.sanOnly));
  assert.equal(p.httpStatusLine, 'HTTP/1.1 200 OK', p.error);
});

for (const [name, label, reason] of [
  ['otherCa', 'certificate from another CA', /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/],
  ['expired', 'expired certificate', /CERT_HAS_EXPIRED/],
  ['selfSigned', 'self-signed certificate', /DEPTH_ZERO_SELF_SIGNED_CERT/],
  ['none', 'no client certificate', /.+/],
] as const) {
  test(`mtls: ${label} -> connection closed at the end of the handshake, never an HTTP answer, reason logged (TLS 1.2 and 1.3)`, async () => {
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      const since = proxy.logs.length;
      const p = await probeTls(proxy.proxy.port, { ...withClient(name === 'none' ? undefined : client[name]), maxVersion });
      assert.equal(p.ok, false, `${maxVersion}: expected failure`);
      assert.equal(p.httpStatusLine, undefined, 'no HTTP response');
      // TLS 1.2: the server's Finished never arrives, so the client's handshake does not complete.
      if (maxVersion === 'TLSv1.2') assert.equal(p.protocol, undefined, `${maxVersion}: ${p.error}`);
      const line = await proxy.waitForLog('mTLS client certificate refused; connection closed', since);
      assert.match(String(line.reason), reason);
    }
  });
}

test('mtls: subject not allowed (intruder.example.com; `*` never spans two labels) -> connection closed before any request, logged', async () => {
  for (const c of [client.otherSubject, client.twoLabels]) {
    const since = proxy.logs.length;
    const p = await probeTls(proxy.proxy.port, withClient(c));
    assert.equal(p.ok, false);
    assert.equal(p.httpStatusLine, undefined, 'no HTTP response');
    const line = await proxy.waitForLog('mTLS client subject not allowed; connection closed', since);
    assert.ok(Array.isArray(line.clientSubjects));
  }
  assert.ok(!proxy.logs.some((l) => l.msg === 'xks request' && l.status === 200 && l.path === '/ping'));
});

function curl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', ...args], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

test('mtls: curl with the allowed client certificate -> 200; with a certificate from another CA -> TLS error', async () => {
  const port = proxy.proxy.port;
  const common = ['--cacert', serverCa.cert, '--resolve', `localhost:${port}:127.0.0.1`];
  const signed = [
    '--aws-sigv4', `aws:amz:${TEST_REGION}:kms-xks-proxy`, '--user', `${TEST_ACCESS_KEY_ID}:${TEST_SECRET}`,
    '-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(healthBody), `https://localhost:${port}/kms/xks/v1/health`,
  ];
  const ok = await curl([...common, '--cert', client.kmsEuWest1?.cert ?? '', '--key', client.kmsEuWest1?.key ?? '', ...signed]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /\n200$/);
  const bad = await curl([...common, '--cert', client.otherCa?.cert ?? '', '--key', client.otherCa?.key ?? '', ...signed]);
  assert.notEqual(bad.code, 0, bad.stdout);
  assert.match(bad.stderr, /SSL|reset|closed|recv|Empty reply/i, bad.stderr);
  assert.doesNotMatch(bad.stdout, /\n[1-5]\d\d$/, "no HTTP status");
});
