/**
 * findChainAnchor with real certificates made by openssl: a private CA, a self-signed certificate, an intermediate
 * in the served file, a root "public" to the check, and a root on (a stand-in for) KMS's list, by fingerprint.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rootCertificates } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { commonName, findChainAnchor, parsePemCertificates } from '../../../../src/check/for-kms/certificate-chain.js';
import { fingerprintOf, KMS_TRUSTED_ROOTS, type KmsTrustedRoot } from '../../../../src/check/for-kms/kms-trusted-roots.js';
import { createCertDir, type CertDir, type CertFiles } from '../../../support/certs.js';

describe('findChainAnchor', () => {
  let certs: CertDir;
  let root: CertFiles;
  let leafUnderRoot: CertFiles;
  let leafUnderIntermediate: CertFiles;
  let intermediate: CertFiles;
  let selfSigned: CertFiles;
  const pem = (f: CertFiles | string): string => readFileSync(typeof f === 'string' ? f : f.cert, 'utf8');

  before(() => {
    certs = createCertDir();
    root = certs.ca('test-root');
    leafUnderRoot = certs.issue('leaf', { ca: root, cn: 'xks.example.com', usage: 'server' });
    // An intermediate CA signed by the root (openssl: CA:TRUE in the extension file).
    const dir = certs.dir;
    intermediate = { cert: join(dir, 'intermediate.pem'), key: join(dir, 'intermediate-key.pem') };
    writeFileSync(join(dir, 'intermediate.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', intermediate.key, '-out', join(dir, 'intermediate.csr'), '-subj', '/CN=test-intermediate'], { stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-req', '-in', join(dir, 'intermediate.csr'), '-CA', root.cert, '-CAkey', root.key, '-CAcreateserial', '-out', intermediate.cert, '-days', '30', '-extfile', join(dir, 'intermediate.ext')], { stdio: 'ignore' });
    leafUnderIntermediate = certs.issue('leaf2', { ca: intermediate, cn: 'xks.example.com', usage: 'server' });
    selfSigned = certs.issue('self', { ca: undefined, cn: 'xks.example.com', usage: 'server' });
  });
  after(() => certs?.cleanup());

  const rootEntry = (): KmsTrustedRoot => ({ alias: 'testroot', owner: 'CN=test-root', notAfter: '2099-01-01', sha256: fingerprintOf(new X509Certificate(pem(root))) });

  it('a leaf of a private CA -> untrusted, naming the issuer; a self-signed leaf -> untrusted, self-signed', () => {
    assert.deepEqual(findChainAnchor(parsePemCertificates(pem(leafUnderRoot)), { publicRoots: rootCertificates }), { kind: 'untrusted', issuer: 'test-root', selfSigned: false });
    assert.deepEqual(findChainAnchor(parsePemCertificates(pem(selfSigned)), { publicRoots: rootCertificates }), { kind: 'untrusted', issuer: 'xks.example.com', selfSigned: true });
  });

  it('a root among the public roots but not on KMS\'s list -> public-not-on-kms-list; on the list (by fingerprint) -> kms-list', () => {
    const chain = parsePemCertificates(pem(leafUnderRoot));
    assert.deepEqual(findChainAnchor(chain, { publicRoots: [pem(root)], kmsRoots: KMS_TRUSTED_ROOTS }), { kind: 'public-not-on-kms-list', subject: 'test-root' });
    assert.deepEqual(findChainAnchor(chain, { publicRoots: [pem(root)], kmsRoots: [rootEntry()] }), { kind: 'kms-list', root: rootEntry() });
  });

  it('the intermediate in the served file is followed to the root; without it the chain stops at the intermediate\'s name', () => {
    const withIntermediate = parsePemCertificates(pem(leafUnderIntermediate) + pem(intermediate));
    assert.equal(withIntermediate.length, 2);
    assert.deepEqual(findChainAnchor(withIntermediate, { publicRoots: [pem(root)], kmsRoots: [rootEntry()] }), { kind: 'kms-list', root: rootEntry() });
    const leafOnly = parsePemCertificates(pem(leafUnderIntermediate));
    assert.deepEqual(findChainAnchor(leafOnly, { publicRoots: [pem(root)], kmsRoots: [rootEntry()] }), { kind: 'untrusted', issuer: 'test-intermediate', selfSigned: false });
  });

  it('an issuer named like a root on KMS\'s list whose certificate is not available -> name-only (not verified)', () => {
    const chain = parsePemCertificates(pem(leafUnderIntermediate));
    const named: KmsTrustedRoot = { alias: 'lookalike', owner: 'CN=test-intermediate, O=X', notAfter: '2099-01-01', sha256: '00' };
    assert.deepEqual(findChainAnchor(chain, { publicRoots: [], kmsRoots: [named] }), { kind: 'name-only', root: named });
  });

  it('commonName: the CN line of a subject, else the whole name', () => {
    assert.equal(commonName('C=US\nO=Amazon\nCN=Amazon Root CA 1'), 'Amazon Root CA 1');
    assert.equal(commonName('OU=AC RAIZ FNMT-RCM\nO=FNMT-RCM\nC=ES'), 'OU=AC RAIZ FNMT-RCM, O=FNMT-RCM, C=ES');
  });
});
