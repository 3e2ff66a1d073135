/**
 * The TLS points of the production checklist: the listener's certificate (key pair, KMS's trusted roots, expiry,
 * host name) and mTLS (spec A1, A12 / C48-C50, A13 / C55).
 */
import { createPrivateKey, type X509Certificate } from 'node:crypto';
import type { TlsConfig } from '../../proxy/config/load-config.js';
import { compileSubjectPatterns } from '../../proxy/transport/subject-match.js';
import { commonName, findChainAnchor, parsePemCertificates } from './certificate-chain.js';
import { fingerprintOf, KMS_TRUSTED_ROOTS, type KmsTrustedRoot } from './kms-trusted-roots.js';
import { DEPLOY_DOC, fail, ok, warn, type ReadinessPoint } from './readiness-point.js';

export interface TlsPointInputs {
  readonly tls: TlsConfig;
  /** The host KMS calls (from --endpoint), if known. */
  readonly host?: string;
  /** Every Region KMS will call from (the key stores' regions). */
  readonly regions: readonly string[];
  readonly now: Date;
  readonly readFile: (path: string) => string;
  /** The public roots the chain may end at (tls.rootCertificates). */
  readonly publicRoots: readonly string[];
  /** Default: KMS's list. */
  readonly kmsRoots?: readonly KmsTrustedRoot[];
}

const DAY_MS = 86_400_000;
const EXPIRY_WARN_DAYS = 30;
const INVALID_TLS = 'KMS refuses the handshake: the store goes FAILED with XKS_PROXY_INVALID_TLS_CONFIGURATION';

function readCertificates(inputs: TlsPointInputs, file: string): X509Certificate[] | string {
  try {
    const certs = parsePemCertificates(inputs.readFile(file));
    return certs.length > 0 ? certs : `${file} holds no PEM certificate`;
  } catch (error) {
    return `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function keyPairPoint(inputs: TlsPointInputs, leaf: X509Certificate): ReadinessPoint {
  const id = 'tls.key-pair';
  const why = 'the proxy cannot start TLS with a key that does not belong to the certificate';
  try {
    const key = createPrivateKey(inputs.readFile(inputs.tls.keyFile));
    if (!leaf.checkPrivateKey(key)) return fail(id, `${inputs.tls.keyFile} is not the key of ${inputs.tls.certFile}`, why, 'give listen.tls.keyFile the private key the certificate was issued for');
    return ok(id, `${inputs.tls.keyFile} matches the certificate`, why);
  } catch (error) {
    return fail(id, `cannot use ${inputs.tls.keyFile}: ${error instanceof Error ? error.message : String(error)}`, why, 'give listen.tls.keyFile an unencrypted PEM private key');
  }
}

function publicCaPoint(inputs: TlsPointInputs, chain: readonly X509Certificate[]): ReadinessPoint {
  const id = 'tls.public-ca';
  const why = `KMS trusts only the CAs on its list (spec A12, C50; ${KMS_TRUSTED_ROOTS.length} roots); any other chain: ${INVALID_TLS}`;
  const fix = `use a certificate from a public CA on KMS's list (Amazon via an NLB with ACM, Let's Encrypt, DigiCert, ...), with its intermediates in listen.tls.certFile: ${DEPLOY_DOC}#1-a-host-name-and-a-certificate-kms-trusts`;
  const anchor = findChainAnchor(chain, { publicRoots: inputs.publicRoots, ...(inputs.kmsRoots !== undefined && { kmsRoots: inputs.kmsRoots }) });
  switch (anchor.kind) {
    case 'kms-list':
      if (anchor.root.notAfter < inputs.now.toISOString().slice(0, 10)) {
        return fail(id, `chains to ${anchor.root.alias} (${anchor.root.owner}), which expired ${anchor.root.notAfter}`, why, fix);
      }
      return ok(id, `chains to ${anchor.root.alias} (${anchor.root.owner}), on KMS's trusted list`, why);
    case 'public-not-on-kms-list':
      return fail(id, `chains to the public root "${anchor.subject}", which is not on KMS's trusted list`, why, fix);
    case 'name-only':
      return warn(id, `issued under "${commonName(chain[chain.length - 1]?.issuer ?? '')}", the name of ${anchor.root.alias} on KMS's list; the root is not in this machine's bundle, so the signature was not verified`, why, `check from outside: xks check --for-kms --endpoint https://<host> (${DEPLOY_DOC}#5-check-the-endpoint-before-kms-uses-it)`);
    case 'untrusted':
      return fail(id, anchor.selfSigned ? `self-signed ("${anchor.issuer}")` : `chains to "${anchor.issuer}", a private CA: not on KMS's trusted list`, why, fix);
  }
}

function expiryPoint(inputs: TlsPointInputs, leaf: X509Certificate): ReadinessPoint {
  const id = 'tls.expiry';
  const why = `an expired (or not yet valid) certificate: ${INVALID_TLS}`;
  const notAfter = Date.parse(leaf.validTo);
  const notBefore = Date.parse(leaf.validFrom);
  const days = Math.floor((notAfter - inputs.now.getTime()) / DAY_MS);
  const renew = 'renew the certificate (automate it: ACM on an NLB renews by itself), then `kill -HUP` the proxy or let it see the file change';
  if (notBefore > inputs.now.getTime()) return fail(id, `not valid before ${leaf.validFrom}`, why, 'check the clock of the machine that issued it, or wait');
  if (days < 0) return fail(id, `expired ${leaf.validTo}`, why, renew);
  if (days < EXPIRY_WARN_DAYS) return warn(id, `expires ${leaf.validTo} (${days} days)`, why, renew);
  return ok(id, `valid until ${leaf.validTo} (${days} days)`, why);
}

function hostNamePoint(inputs: TlsPointInputs, leaf: X509Certificate): ReadinessPoint {
  const id = 'tls.host-name';
  const why = `KMS checks that the certificate names the endpoint's host (spec A12, C49); otherwise ${INVALID_TLS}`;
  const names = (leaf.subjectAltName ?? '').split(', ').filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4));
  if (inputs.host === undefined) {
    return warn(id, `not checked (no --endpoint); the certificate names ${names.join(', ') || commonName(leaf.subject)}`, why, 'pass --endpoint https://<the host KMS calls>');
  }
  const match = leaf.checkHost(inputs.host);
  if (match === undefined) {
    return fail(id, `the certificate does not name ${inputs.host} (it names ${names.join(', ') || commonName(leaf.subject)})`, why, `get a certificate whose subjectAltName includes ${inputs.host} (a wildcard for its parent domain is fine)`);
  }
  return ok(id, `names ${inputs.host}${match === inputs.host ? '' : ` (as ${match})`}`, why);
}

/** The certificate points, in the order a reader fixes them; one fail point when the file cannot be read. */
export function tlsCertificatePoints(inputs: TlsPointInputs): ReadinessPoint[] {
  const chain = readCertificates(inputs, inputs.tls.certFile);
  if (typeof chain === 'string') return [fail('tls.certificate', chain, 'the proxy cannot serve TLS without it', 'give listen.tls.certFile a PEM certificate (the leaf first, then its intermediates)')];
  const leaf = chain[0] as X509Certificate;
  return [keyPairPoint(inputs, leaf), publicCaPoint(inputs, chain), expiryPoint(inputs, leaf), hostNamePoint(inputs, leaf)];
}

const KMS_SUBJECT = /^cks\.kms\.(\*|[a-z0-9-]+)\.amazonaws\.com(\.cn)?$/i;

/** spec A13 / C55: with mTLS, accept only CN=cks.kms.<region>.amazonaws.com chained to Amazon Trust Services. */
export function mtlsPoint(inputs: TlsPointInputs): ReadinessPoint {
  const id = 'mtls';
  const clientAuth = inputs.tls.clientAuth;
  const why = 'KMS presents CN=cks.kms.<region>.amazonaws.com chained to Amazon Trust Services; with mTLS the proxy must accept exactly that (spec A13, C55)';
  if (clientAuth === undefined) return ok(id, 'off (optional, spec A13): every request is still authenticated by SigV4', why);
  const accepts = compileSubjectPatterns(clientAuth.allowedSubjects);
  const refused = inputs.regions.filter((r) => !accepts(`cks.kms.${r}.amazonaws.com`));
  if (refused.length > 0) {
    return fail(id, `allowedSubjects ${JSON.stringify(clientAuth.allowedSubjects)} refuse ${refused.map((r) => `cks.kms.${r}.amazonaws.com`).join(', ')}`, `${why}; a refused subject ends the handshake: ${INVALID_TLS}`, 'add "cks.kms.<region>.amazonaws.com" for each Region, or "cks.kms.*.amazonaws.com", to listen.tls.clientAuth.allowedSubjects');
  }
  const foreign = clientAuth.allowedSubjects.filter((s) => !KMS_SUBJECT.test(s));
  if (foreign.length > 0) return fail(id, `allowedSubjects also accept ${foreign.join(', ')}, which is not KMS`, why, 'keep only cks.kms.<region>.amazonaws.com patterns in allowedSubjects');
  const cas = readCertificates(inputs, clientAuth.caFile);
  if (typeof cas === 'string') return fail(id, cas, why, 'give listen.tls.clientAuth.caFile the Amazon Trust Services root CAs (PEM)');
  const amazon = (c: X509Certificate) => KMS_TRUSTED_ROOTS.some((r) => r.alias.startsWith('amazonrootca') && r.sha256 === fingerprintOf(c)) || /^O=Amazon$/m.test(c.subject);
  const others = cas.filter((c) => !amazon(c)).map((c) => commonName(c.subject));
  if (cas.length === others.length) return fail(id, `caFile holds no Amazon Trust Services CA (${others.join(', ')}): KMS's client certificate is refused`, why, 'put Amazon Root CA 1-4 (https://www.amazontrust.com/repository/) in listen.tls.clientAuth.caFile');
  if (others.length > 0) return warn(id, `caFile also trusts ${others.join(', ')}, not Amazon Trust Services`, why, 'keep only the Amazon Trust Services roots in caFile');
  return ok(id, `accepts ${clientAuth.allowedSubjects.join(', ')} under ${cas.map((c) => commonName(c.subject)).join(', ')}`, why);
}
