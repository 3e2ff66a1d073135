/**
 * Which root a server certificate chains to (spec A12 / C50), from the PEM file the proxy serves: the leaf, the
 * intermediates in the same file, then a root from Node's bundle (tls.rootCertificates) whose signature verifies.
 * The anchor is then looked up in KMS's trusted list by SHA-256 fingerprint.
 */
import { X509Certificate } from 'node:crypto';
import { fingerprintOf, KMS_TRUSTED_ROOTS, type KmsTrustedRoot } from './kms-trusted-roots.js';

export type ChainAnchor =
  /** A certificate of the chain (in the file or from Node's bundle) is on KMS's list. */
  | { readonly kind: 'kms-list'; readonly root: KmsTrustedRoot }
  /** Verified up to a public root (Node's bundle) that is not on KMS's list. */
  | { readonly kind: 'public-not-on-kms-list'; readonly subject: string }
  /** The top issuer has the name of a root on KMS's list, but that root is not available here to verify the signature. */
  | { readonly kind: 'name-only'; readonly root: KmsTrustedRoot }
  /** A private CA or a self-signed certificate. */
  | { readonly kind: 'untrusted'; readonly issuer: string; readonly selfSigned: boolean };

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM bundle, in file order (the leaf first, as a server sends them). */
export function parsePemCertificates(pem: string): X509Certificate[] {
  return (pem.match(PEM_CERTIFICATE) ?? []).map((block) => new X509Certificate(block));
}

/** The CN of a distinguished name as X509Certificate prints it (one `K=V` per line), else the whole name on one line. */
export function commonName(dn: string): string {
  const lines = dn.split('\n');
  const cn = lines.find((l) => l.startsWith('CN='));
  return cn === undefined ? lines.join(', ') : cn.slice(3);
}

/** The CN of an owner as KMS's list prints it (`CN=Amazon Root CA 1, O=Amazon, C=US`). */
function ownerCommonName(owner: string): string | undefined {
  return /(?:^|, )CN=([^,]+)/.exec(owner)?.[1];
}

const issuedBy = (cert: X509Certificate, issuer: X509Certificate): boolean => cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

export interface ChainOptions {
  readonly publicRoots: readonly string[];
  readonly kmsRoots?: readonly KmsTrustedRoot[];
}

export function findChainAnchor(chain: readonly X509Certificate[], options: ChainOptions): ChainAnchor {
  const kmsRoots = options.kmsRoots ?? KMS_TRUSTED_ROOTS;
  const onKmsList = (c: X509Certificate) => kmsRoots.find((r) => r.sha256 === fingerprintOf(c));
  const leaf = chain[0];
  if (leaf === undefined) throw new Error('no certificate');
  let current = leaf;
  const seen = new Set<string>();
  for (;;) {
    const listed = onKmsList(current);
    if (listed !== undefined) return { kind: 'kms-list', root: listed };
    seen.add(current.fingerprint256);
    const inFile = chain.find((c) => !seen.has(c.fingerprint256) && issuedBy(current, c));
    if (inFile !== undefined) {
      current = inFile;
      continue;
    }
    // Not checkIssued: a self-signed leaf's keyUsage lacks keyCertSign, so OpenSSL does not call it its own issuer.
    const selfSigned = current.subject === current.issuer && current.verify(current.publicKey);
    if (!selfSigned) {
      for (const pem of options.publicRoots) {
        const root = new X509Certificate(pem);
        if (!issuedBy(current, root)) continue;
        const rootListed = onKmsList(root);
        return rootListed !== undefined ? { kind: 'kms-list', root: rootListed } : { kind: 'public-not-on-kms-list', subject: commonName(root.subject) };
      }
    }
    const issuerCn = commonName(current.issuer);
    const byName = kmsRoots.find((r) => ownerCommonName(r.owner) === issuerCn);
    if (byName !== undefined && !selfSigned) return { kind: 'name-only', root: byName };
    return { kind: 'untrusted', issuer: issuerCn, selfSigned };
  }
}
