/**
 * TLS of an https endpoint (spec A1 / C3, A12 / C48-C50, A13 / C54): protocol versions, the spec's suites, the
 * certificate's chain, host name and expiry, and the refusal of a client without a certificate under mTLS.
 */
import { rootCertificates, checkServerIdentity, connect, type ConnectionOptions, type DetailedPeerCertificate } from 'node:tls';
import { buildTrustedCas } from '../../xks-client/xks-transport.js';
import { X509Certificate } from 'node:crypto';
import { fail, type CheckCase } from '../check-case.js';
import { findChainAnchor } from '../for-kms/certificate-chain.js';
import type { CheckContext } from '../check-context.js';

export interface Handshake {
  readonly ok: boolean;
  readonly protocol?: string | null;
  readonly cipher?: string;
  readonly authorized?: boolean;
  readonly authorizationError?: string;
  readonly cert?: DetailedPeerCertificate;
  readonly error?: string;
}

/** spec A1: the four suites, by their OpenSSL names (TLS 1.3 names are the IANA ones). */
const SPEC_SUITES: readonly { readonly name: string; readonly version: 'TLSv1.2' | 'TLSv1.3' }[] = [
  { name: 'TLS_AES_256_GCM_SHA384', version: 'TLSv1.3' },
  { name: 'TLS_CHACHA20_POLY1305_SHA256', version: 'TLSv1.3' },
  { name: 'ECDHE-RSA-AES256-GCM-SHA384', version: 'TLSv1.2' },
  { name: 'ECDHE-ECDSA-AES256-GCM-SHA384', version: 'TLSv1.2' },
];
/** Suites outside the spec's list that common servers accept. */
const OTHER_SUITES: readonly { readonly name: string; readonly version: 'TLSv1.2' | 'TLSv1.3' }[] = [
  { name: 'TLS_AES_128_GCM_SHA256', version: 'TLSv1.3' },
  { name: 'ECDHE-RSA-AES128-GCM-SHA256', version: 'TLSv1.2' },
  { name: 'ECDHE-ECDSA-AES128-GCM-SHA256', version: 'TLSv1.2' },
  { name: 'ECDHE-RSA-AES256-SHA384', version: 'TLSv1.2' },
  { name: 'AES256-GCM-SHA384', version: 'TLSv1.2' },
  { name: 'AES256-SHA', version: 'TLSv1.2' },
];
const THIRTY_DAYS_MS = 30 * 86_400_000;

/** The chain a server sent, leaf first (getPeerCertificate(true) links each certificate to its issuer). */
function peerChain(cert: DetailedPeerCertificate): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  for (let c: DetailedPeerCertificate | undefined = cert; c?.raw !== undefined && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    chain.push(new X509Certificate(c.raw));
  }
  return chain;
}

/** One TLS handshake with the endpoint (the client certificate is presented when given); never throws. */
export function handshake(ctx: CheckContext, options: ConnectionOptions & { trustedCas?: readonly string[] }): Promise<Handshake> {
  const url = new URL(ctx.inputs.endpoint);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const { trustedCas, ...rest } = options;
  return new Promise((resolve) => {
    let settled = false;
    const done = (h: Handshake): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(h);
    };
    const socket = connect({
      host,
      port: url.port === '' ? 443 : Number(url.port),
      ...(!/^[\d.]+$|:/.test(host) && { servername: host }),
      ca: [...(trustedCas ?? buildTrustedCas(ctx.inputs.caPem))],
      rejectUnauthorized: false,
      ...(ctx.inputs.clientCert !== undefined && { cert: ctx.inputs.clientCert.cert, key: ctx.inputs.clientCert.key }),
      ...rest,
    });
    socket.once('secureConnect', () =>
      done({
        ok: true,
        protocol: socket.getProtocol(),
        cipher: socket.getCipher().name,
        authorized: socket.authorized,
        ...(socket.authorizationError !== undefined && socket.authorizationError !== null && { authorizationError: String(socket.authorizationError) }),
        cert: socket.getPeerCertificate(true),
      }),
    );
    socket.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, error: `${e.code ?? ''} ${e.message}`.trim() }));
    socket.once('close', () => done({ ok: false, error: 'closed during the handshake' }));
    socket.setTimeout(ctx.inputs.timeoutMs, () => done({ ok: false, error: 'handshake timed out' }));
  });
}

async function acceptedSuites(ctx: CheckContext, suites: typeof SPEC_SUITES): Promise<string[]> {
  const accepted: string[] = [];
  for (const s of suites) {
    const h = await handshake(ctx, { minVersion: s.version, maxVersion: s.version, ciphers: s.name });
    if (h.ok && h.cipher === s.name) accepted.push(s.name);
  }
  return accepted;
}

const HTTPS = ['https'] as const;

export const TLS_CASES: readonly CheckCase[] = [
  {
    id: 'tls.https',
    title: 'the endpoint is https (KMS never calls http)',
    clauses: ['A1', 'C1', 'C48'],
    level: 'MUST',
    needs: HTTPS,
    async run() {
      return 'https';
    },
  },
  {
    id: 'tls.versions',
    title: 'TLS 1.2 or 1.3 is accepted; TLS 1.0 and 1.1 are refused',
    clauses: ['A1', 'C3'],
    level: 'MUST',
    needs: HTTPS,
    async run(ctx) {
      const modern: string[] = [];
      for (const v of ['TLSv1.2', 'TLSv1.3'] as const) if ((await handshake(ctx, { minVersion: v, maxVersion: v })).ok) modern.push(v);
      if (modern.length === 0) fail('neither TLS 1.2 nor TLS 1.3 completes a handshake');
      const old = await handshake(ctx, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' });
      if (old.ok) fail(`a ${old.protocol ?? 'pre-1.2'} handshake completed (${old.cipher ?? '?'})`);
      return `accepts ${modern.join(', ')}; refuses TLS 1.0/1.1`;
    },
  },
  {
    id: 'tls.spec-suite',
    title: 'at least one of the spec\'s four cipher suites is negotiated',
    clauses: ['A1', 'C3'],
    level: 'MUST',
    needs: HTTPS,
    async run(ctx) {
      const accepted = await acceptedSuites(ctx, SPEC_SUITES);
      if (accepted.length === 0) fail(`none of ${SPEC_SUITES.map((s) => s.name).join(', ')} is accepted`);
      return accepted.join(', ');
    },
  },
  {
    id: 'tls.only-spec-suites',
    title: 'no suite outside the spec\'s list is accepted (AES-128, CBC, RSA key exchange)',
    clauses: ['A1', 'C3'],
    level: 'SHOULD',
    needs: HTTPS,
    async run(ctx) {
      const others = await acceptedSuites(ctx, OTHER_SUITES);
      if (others.length > 0) fail(`also accepts ${others.join(', ')}`);
      return 'only the spec\'s suites';
    },
  },
  {
    id: 'tls.certificate-chain',
    title: 'the certificate chains to a trusted CA (system store plus --ca-file) and has not expired',
    clauses: ['A12', 'C50'],
    level: 'MUST',
    needs: HTTPS,
    async run(ctx) {
      const h = await handshake(ctx, {});
      if (!h.ok) fail(`handshake failed: ${h.error ?? ''}`);
      if (h.authorized !== true) fail(`certificate not trusted: ${h.authorizationError ?? 'unknown reason'}`);
      return `issuer ${h.cert?.issuer?.CN ?? '?'}`;
    },
  },
  {
    id: 'tls.host-name',
    title: 'the certificate names the endpoint host',
    clauses: ['A12', 'C49'],
    level: 'MUST',
    needs: HTTPS,
    async run(ctx) {
      const h = await handshake(ctx, {});
      if (!h.ok || h.cert === undefined) fail(`handshake failed: ${h.error ?? ''}`);
      const host = new URL(ctx.inputs.endpoint).hostname.replace(/^\[|\]$/g, '');
      const problem = checkServerIdentity(host, h.cert);
      if (problem !== undefined) fail(problem.message);
      return host;
    },
  },
  {
    id: 'tls.public-ca',
    title: 'the chain verifies against public roots alone and ends at a root on KMS\'s trusted list (not a private CA); a MUST with --for-kms',
    clauses: ['A12', 'C50'],
    level: 'SHOULD',
    needs: HTTPS,
    async run(ctx) {
      const h = await handshake(ctx, { trustedCas: rootCertificates });
      if (!h.ok) fail(`handshake failed: ${h.error ?? ''}`);
      if (h.authorized !== true) fail(`trusted only through --ca-file (${h.authorizationError ?? ''}): KMS will not trust it`);
      // Node's public roots are not KMS's list (spec A12 / C50): name the root of KMS's list the chain ends at.
      const anchor = h.cert === undefined ? undefined : findChainAnchor(peerChain(h.cert), { publicRoots: rootCertificates });
      if (anchor?.kind === 'kms-list') return `chains to ${anchor.root.alias}, on KMS's trusted list`;
      if (anchor?.kind === 'public-not-on-kms-list') fail(`chains to the public root "${anchor.subject}", which is not on KMS's trusted list`);
      return 'public root';
    },
  },
  {
    id: 'tls.expiry-30-days',
    title: 'the certificate is valid for more than 30 more days',
    clauses: ['A12'],
    level: 'SHOULD',
    needs: HTTPS,
    async run(ctx) {
      const h = await handshake(ctx, {});
      if (!h.ok || h.cert === undefined) fail(`handshake failed: ${h.error ?? ''}`);
      const left = Date.parse(h.cert.valid_to) - Date.now();
      const days = Math.floor(left / 86_400_000);
      if (left <= THIRTY_DAYS_MS) fail(`expires ${h.cert.valid_to} (${days} days)`);
      return `expires ${h.cert.valid_to} (${days} days)`;
    },
  },
  {
    id: 'mtls.refuses-anonymous-client',
    title: 'with mTLS, a client without a certificate gets no HTTP answer',
    clauses: ['A13', 'C54'],
    level: 'MUST',
    needs: ['clientCert'],
    async run(ctx) {
      const { kmsRequestId } = ctx.metadata('KmsHealthCheck');
      const r = await ctx.send('/health', { requestMetadata: { kmsRequestId, kmsOperation: 'KmsHealthCheck' } }, { withoutClientCert: true });
      if (r.kind === 'response') fail(`answered HTTP ${r.status} to a client without a certificate`);
      return `refused (${r.phase}: ${r.detail.slice(0, 80)})`;
    },
  },
];
