/**
 * The production checklist point by point: a complete configuration whose every point is ok (its CA standing in
 * for a root on KMS's list), then one change per row and the status and finding each change must produce.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rootCertificates } from 'node:tls';
import { checkForKms, type ForKmsOptions, type ForKmsReport } from '../../../../src/check/for-kms/check-for-kms.js';
import { formatForKmsReport } from '../../../../src/check/for-kms/format-for-kms.js';
import { fingerprintOf, type KmsTrustedRoot } from '../../../../src/check/for-kms/kms-trusted-roots.js';
import { parseConfig } from '../../../../src/proxy/config/load-config.js';
import { keyFileName, serializeKeyFile } from '../../../../src/proxy/keystore/key-file.js';
import { createCertDir, type CertDir, type CertFiles } from '../../../support/certs.js';
import { testKey, TEST_SECRET } from '../../../support/test-app.js';

type Raw = Record<string, unknown>;

describe('checkForKms', () => {
  let certs: CertDir;
  let dir: string;
  let server: CertFiles;
  let other: CertFiles;
  let kmsRoots: KmsTrustedRoot[];
  let caPem: string;

  before(() => {
    certs = createCertDir();
    const ca = certs.ca('prod-ca');
    caPem = readFileSync(ca.cert, 'utf8');
    server = certs.issue('server', { ca, cn: 'xks.example.com', usage: 'server', days: 90 });
    other = certs.issue('other', { ca, cn: 'other.example.com', usage: 'server', days: 90 });
    kmsRoots = [{ alias: 'prodca', owner: 'CN=prod-ca', notAfter: '2099-01-01', sha256: fingerprintOf(new X509Certificate(caPem)) }];
    dir = mkdtempSync(join(tmpdir(), 'xks-for-kms-'));
    mkdirSync(join(dir, 'keys'), { mode: 0o700 });
    mkdirSync(join(dir, 'empty-keys'), { mode: 0o700 });
    const key = testKey('prod-key-1');
    writeFileSync(join(dir, 'keys', keyFileName(key.externalKeyId)), serializeKeyFile(key), { mode: 0o600 });
    writeFileSync(join(dir, 'secret-1'), TEST_SECRET, { mode: 0o600 });
    writeFileSync(join(dir, 'secret-2'), TEST_SECRET.replace('F', 'G'), { mode: 0o600 });
    writeFileSync(join(dir, 'secret-open'), TEST_SECRET.replace('F', 'H'));
    chmodSync(join(dir, 'secret-open'), 0o644);
    writeFileSync(join(dir, 'amazon.pem'), rootCertificates.filter((p) => new X509Certificate(p).subject.includes('O=Amazon')).join('\n'));
  });
  after(() => {
    certs?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const store = (over: Raw = {}): Raw => ({
    name: 'prod',
    uriPrefix: '/prod',
    regions: ['eu-west-1'],
    credentials: [
      { accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretFile: 'secret-1' },
      { accessKeyId: 'BQ4TLEXAMPLE2FAKEIDXX', secretFile: 'secret-2' },
    ],
    keyDirectory: 'keys',
    ...over,
  });
  const tls = (over: Raw = {}): Raw => ({
    certFile: server.cert,
    keyFile: server.key,
    clientAuth: { caFile: 'amazon.pem', allowedSubjects: ['cks.kms.*.amazonaws.com'] },
    ...over,
  });
  const raw = (over: Raw = {}, storeOver: Raw = {}): Raw => ({
    listen: { host: '0.0.0.0', port: 443, tls: tls() },
    logging: { level: 'info' },
    keyStores: [store(storeOver)],
    ...over,
  });
  const run = (config: Raw, options: ForKmsOptions = {}): ForKmsReport =>
    checkForKms(parseConfig(config, { baseDir: dir, source: join(dir, 'config.json') }), {
      endpoint: 'https://xks.example.com',
      region: 'eu-west-1',
      publicRoots: [caPem],
      kmsRoots,
      now: new Date(),
      ...options,
    });
  const point = (report: ForKmsReport, id: string) => {
    const p = report.points.find((x) => x.id === id);
    assert.ok(p !== undefined, `no point ${id} in ${report.points.map((x) => x.id).join(', ')}`);
    return p;
  };

  it('a complete production configuration: every point ok, passed, and each point has a why', () => {
    const report = run(raw());
    assert.deepEqual(report.points.filter((p) => p.status !== 'ok').map((p) => `${p.id}: ${p.what}`), []);
    assert.equal(report.passed, true);
    assert.deepEqual(report.counts, { ok: report.points.length, warn: 0, fail: 0 });
    assert.deepEqual(
      report.points.map((p) => p.id),
      ['listen.host', 'listen.port', 'tls', 'endpoint', 'tls.key-pair', 'tls.public-ca', 'tls.expiry', 'tls.host-name', 'mtls',
        'keyStores.prod.regions', 'keyStores.prod.credentials', 'keyStores.prod.quota', 'keyStores.prod.keys', 'files', 'limits', 'logging.level', 'faults'],
    );
    assert.match(point(report, 'tls.public-ca').what, /chains to prodca \(CN=prod-ca\), on KMS's trusted list/);
    assert.match(point(report, 'mtls').what, /under Amazon Root CA 1, Amazon Root CA 2/);
    for (const p of report.points) assert.ok(p.why.length > 10 && p.fix === undefined, p.id);
    assert.match(formatForKmsReport(report), /17 ok, 0 warn, 0 fail: ready for KMS\n$/);
  });

  const rows: { readonly name: string; readonly config: () => Raw; readonly options?: () => ForKmsOptions; readonly id: string; readonly status: 'warn' | 'fail'; readonly what: RegExp }[] = [
    { name: 'loopback with TLS', config: () => raw({ listen: { host: '127.0.0.1', port: 443, tls: tls() } }), id: 'listen.host', status: 'fail', what: /127\.0\.0\.1 only, with TLS/ },
    { name: 'loopback without TLS', config: () => raw({ listen: { host: '127.0.0.1', port: 7700 } }), id: 'listen.host', status: 'warn', what: /same machine/ },
    { name: 'TLS on another port', config: () => raw({ listen: { host: '0.0.0.0', port: 8443, tls: tls() } }), id: 'listen.port', status: 'warn', what: /forward 443 to 8443/ },
    { name: 'plain HTTP', config: () => raw({ listen: { host: '10.0.1.5', port: 7700 } }), id: 'tls', status: 'warn', what: /load balancer/ },
    { name: 'no --endpoint', config: () => raw(), options: () => ({ endpoint: undefined }), id: 'endpoint', status: 'warn', what: /not given/ },
    { name: 'endpoint with an IP, a port and a path', config: () => raw(), options: () => ({ endpoint: 'http://10.0.0.1:8443/kms' }), id: 'endpoint', status: 'fail', what: /scheme http.*IP address.*port 8443.*path \/kms/ },
    { name: 'a private CA (not on KMS\'s list)', config: () => raw(), options: () => ({ kmsRoots: [] }), id: 'tls.public-ca', status: 'fail', what: /public root "prod-ca", which is not on KMS's trusted list/ },
    { name: 'a CA nobody trusts', config: () => raw(), options: () => ({ publicRoots: rootCertificates, kmsRoots: [] }), id: 'tls.public-ca', status: 'fail', what: /"prod-ca", a private CA/ },
    { name: 'a root on KMS\'s list by name only', config: () => raw(), options: () => ({ publicRoots: [] }), id: 'tls.public-ca', status: 'warn', what: /the name of prodca on KMS's list; .* not verified/ },
    { name: 'a KMS root past its date', config: () => raw(), options: () => ({ kmsRoots: kmsRoots.map((r) => ({ ...r, notAfter: '2020-01-01' })) }), id: 'tls.public-ca', status: 'fail', what: /expired 2020-01-01/ },
    { name: 'a key of another certificate', config: () => raw({ listen: { host: '0.0.0.0', port: 443, tls: tls({ keyFile: other.key }) } }), id: 'tls.key-pair', status: 'fail', what: /is not the key of/ },
    { name: 'a certificate file that does not exist', config: () => raw({ listen: { host: '0.0.0.0', port: 443, tls: tls({ certFile: 'missing.pem' }) } }), id: 'tls.certificate', status: 'fail', what: /cannot read .*missing\.pem/ },
    { name: '20 days left', config: () => raw(), options: () => ({ now: new Date(Date.now() + 70 * 86_400_000) }), id: 'tls.expiry', status: 'warn', what: /\((19|20) days\)/ },
    { name: 'expired', config: () => raw(), options: () => ({ now: new Date(Date.now() + 91 * 86_400_000) }), id: 'tls.expiry', status: 'fail', what: /^expired / },
    { name: 'another host name', config: () => raw(), options: () => ({ endpoint: 'https://kms-proxy.example.org' }), id: 'tls.host-name', status: 'fail', what: /does not name kms-proxy\.example\.org \(it names xks\.example\.com\)/ },
    { name: 'host name without --endpoint', config: () => raw(), options: () => ({ endpoint: undefined }), id: 'tls.host-name', status: 'warn', what: /not checked.*names xks\.example\.com/ },
    { name: 'mTLS subjects that refuse the Region', config: () => raw({ listen: { host: '0.0.0.0', port: 443, tls: tls({ clientAuth: { caFile: 'amazon.pem', allowedSubjects: ['cks.kms.us-east-1.amazonaws.com'] } }) } }), id: 'mtls', status: 'fail', what: /refuse cks\.kms\.eu-west-1\.amazonaws\.com/ },
    { name: 'mTLS subjects that also accept others', config: () => raw({ listen: { host: '0.0.0.0', port: 443, tls: tls({ clientAuth: { caFile: 'amazon.pem', allowedSubjects: ['cks.kms.*.amazonaws.com', '*.example.com'] } }) } }), id: 'mtls', status: 'fail', what: /also accept \*\.example\.com/ },
    { name: 'mTLS with a private client CA', config: () => raw({ listen: { host: '0.0.0.0', port: 443, tls: tls({ clientAuth: { caFile: certs.dir + '/prod-ca.pem', allowedSubjects: ['cks.kms.*.amazonaws.com'] } }) } }), id: 'mtls', status: 'fail', what: /no Amazon Trust Services CA \(prod-ca\)/ },
    { name: 'another Region', config: () => raw(), options: () => ({ region: 'us-east-1' }), id: 'keyStores.prod.regions', status: 'fail', what: /accepts eu-west-1, not us-east-1/ },
    { name: 'the dev default Region, no --region', config: () => raw({}, { regions: ['us-east-1'] }), options: () => ({ region: undefined }), id: 'keyStores.prod.regions', status: 'warn', what: /the dev default/ },
    { name: 'one credential', config: () => raw({}, { credentials: [{ accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretFile: 'secret-1' }] }), id: 'keyStores.prod.credentials', status: 'warn', what: /one credential/ },
    { name: 'a secret in the file', config: () => raw({}, { credentials: [{ accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretAccessKey: TEST_SECRET }, { accessKeyId: 'BQ4TLEXAMPLE2FAKEIDXX', secretFile: 'secret-2' }] }), id: 'keyStores.prod.credentials', status: 'warn', what: /AKIAI2SFODNN7EXAMPLE written in the configuration/ },
    { name: 'a quota below KMS\'s', config: () => raw({}, { quota: { requestsPerSecond: 100 } }), id: 'keyStores.prod.quota', status: 'warn', what: /100 req\/s: below KMS's 1800/ },
    { name: 'an override of a key without a file', config: () => raw({}, { keys: { 'gone-key': { keyStatus: 'DISABLED' } } }), id: 'keyStores.prod.keys', status: 'fail', what: /keys\.gone-key overrides a key that has no key file/ },
    { name: 'no key', config: () => raw({}, { keyDirectory: 'empty-keys' }), id: 'keyStores.prod.keys', status: 'warn', what: /no key in/ },
    { name: 'a secret file others can read', config: () => raw({}, { credentials: [{ accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretFile: 'secret-open' }, { accessKeyId: 'BQ4TLEXAMPLE2FAKEIDXX', secretFile: 'secret-2' }] }), id: 'files', status: 'warn', what: /secret-open/ },
    { name: 'few concurrent requests', config: () => raw({ throttling: { maxConcurrentRequests: 64 } }), id: 'limits', status: 'warn', what: /maxConcurrentRequests 64: below the 450/ },
    { name: 'log level warn', config: () => raw({ logging: { level: 'warn' } }), id: 'logging.level', status: 'warn', what: /no line per request/ },
    { name: 'log level debug', config: () => raw({ logging: { level: 'debug' } }), id: 'logging.level', status: 'warn', what: /more log volume/ },
    { name: 'fault rules', config: () => raw({ faults: [{ operations: ['Encrypt'], fault: { type: 'error', errorName: 'InternalException' } }] }), id: 'faults', status: 'fail', what: /1 fault rule/ },
  ];
  for (const row of rows) {
    it(`${row.name} -> ${row.id} ${row.status}, with why and fix`, () => {
      const report = run(row.config(), row.options?.() ?? {});
      const p = point(report, row.id);
      assert.equal(p.status, row.status, p.what);
      assert.match(p.what, row.what);
      assert.ok((p.fix ?? '').length > 10, 'a fix');
      assert.equal(report.passed, row.status !== 'fail');
      const text = formatForKmsReport(report);
      assert.match(text, new RegExp(`^${row.status === 'fail' ? 'FAIL' : 'WARN'}  ${row.id.replace(/\./g, '\\.')} .*\n      why: .+\n      fix: .+$`, 'm'));
    });
  }
});
