import { readFileSync } from 'node:fs';
import { X509Certificate, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import type { LimitsConfig, ProxyConfig, TlsConfig } from '../config/load-config.js';
import type { Logger } from '../../logging/create-logger.js';
import { createRefusalLog, type RefusalCounters } from '../http/refusal-counters.js';
import type { ServerClasses } from '../http/express-server-classes.js';
import { createConnectionGuard } from './connection-guard.js';
import { certificateNames, compileSubjectPatterns } from './subject-match.js';
import { ALPN_PROTOCOLS, TLS_CIPHERS, TLS_MAX_VERSION, TLS_MIN_VERSION } from './tls-policy.js';

/** A TLS configuration that cannot be served: every problem, reported together. */
export class TlsConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid TLS configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface TlsMaterial {
  readonly context: SecureContextOptions;
  readonly mtls: boolean;
  /** For the log: the server certificate's subject, SANs and validity; never key material. */
  readonly summary: { subject: string; subjectAltName: string | undefined; validFrom: string; validTo: string; expired: boolean };
}

/** The server TLS options of spec A1: TLS 1.2-1.3, the listed suites only. */
function contextOptions(cert: Buffer, key: Buffer, ca: Buffer | undefined): SecureContextOptions {
  return {
    cert,
    key,
    ...(ca !== undefined && { ca }),
    minVersion: TLS_MIN_VERSION,
    maxVersion: TLS_MAX_VERSION,
    ciphers: TLS_CIPHERS,
    honorCipherOrder: true,
  };
}

/** Read the PEM files of listen.tls and check that they make a usable context (key matches cert, CA parses). */
export function loadTlsMaterial(tls: TlsConfig, readFile: (path: string) => Buffer = (p) => readFileSync(p)): TlsMaterial {
  const problems: string[] = [];
  const read = (field: string, file: string): Buffer | undefined => {
    try {
      return readFile(file);
    } catch (error) {
      problems.push(`listen.tls.${field}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  };
  const cert = read('certFile', tls.certFile);
  const key = read('keyFile', tls.keyFile);
  const ca = tls.clientAuth === undefined ? undefined : read('clientAuth.caFile', tls.clientAuth.caFile);
  if (problems.length > 0 || cert === undefined || key === undefined) throw new TlsConfigError(problems);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new TlsConfigError([`listen.tls.certFile: ${tls.certFile} is not a PEM certificate (${(error as Error).message})`]);
  }
  if (ca !== undefined) {
    try {
      new X509Certificate(ca);
    } catch (error) {
      problems.push(`listen.tls.clientAuth.caFile: ${tls.clientAuth?.caFile} is not a PEM certificate bundle (${(error as Error).message})`);
    }
  }
  const context = contextOptions(cert, key, ca);
  try {
    createSecureContext(context);
  } catch (error) {
    problems.push(`listen.tls: certificate ${tls.certFile} and key ${tls.keyFile} do not make a usable TLS context (${(error as Error).message})`);
  }
  if (problems.length > 0) throw new TlsConfigError(problems);
  return {
    context,
    mtls: tls.clientAuth !== undefined,
    summary: {
      subject: x509.subject.replaceAll('\n', ', '),
      subjectAltName: x509.subjectAltName,
      validFrom: new Date(x509.validFrom).toISOString(),
      validTo: new Date(x509.validTo).toISOString(),
      expired: Date.parse(x509.validTo) < Date.now(),
    },
  };
}

export interface Listener {
  readonly server: Server | HttpsServer;
  readonly scheme: 'http' | 'https';
  /** Apply a reloaded configuration: limits, certificates, client CA and allowed subjects. Throws TlsConfigError. */
  apply(config: ProxyConfig, tls: TlsMaterial | undefined): void;
}

/** Derived from the smallest timeout so a 1 s headersTimeout is enforced within about 1.25 s, not Node's 30 s. */
function checkingInterval(limits: LimitsConfig): number {
  return Math.max(50, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
}

function applyLimits(server: Server | HttpsServer, limits: LimitsConfig): void {
  // Slow or idle clients cannot hold a connection for long (docs/configuration.md "Limits and slow clients").
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
}

/**
 * The XKS listener: HTTPS when listen.tls is set (spec A1, A13), else plain HTTP for a TLS-terminating load
 * balancer. Limits come from config.limits. With clientAuth, a connection whose client certificate is missing, from
 * another CA, expired or self-signed, or whose CN/SAN DNS names match no allowed subject, is closed in
 * `secureConnection`, at the end of the handshake and before the HTTP parser sees a byte.
 */
export function createListener(
  app: RequestListener,
  config: ProxyConfig,
  tls: TlsMaterial | undefined,
  logger: Logger,
  refusals: RefusalCounters,
  /** The classes the server builds requests and responses with (expressServerClasses); default Node's own. */
  classes?: ServerClasses,
  /** Connections that have carried a signed request (the app's `authenticatedConnections`): closed for room last. */
  authenticated?: { has(socket: object): boolean },
): Listener {
  const { limits } = config;
  const common = { maxHeaderSize: limits.maxHeaderBytes, connectionsCheckingInterval: checkingInterval(limits), ...classes };
  const started = { limits, tls: config.listen.tls !== undefined };
  const guardDeps = { refusals, onRefusal: createRefusalLog(logger, Date.now), tls: tls !== undefined, ...(authenticated !== undefined && { authenticated }) };
  if (tls === undefined) {
    const server = createHttpServer(common);
    const guard = createConnectionGuard(server, limits, guardDeps);
    server.on('request', guard.wrap(app));
    applyLimits(server, limits);
    return {
      server,
      scheme: 'http',
      apply(next) {
        warnRestartOnly(next);
        applyLimits(server, next.limits);
        guard.apply(next.limits);
      },
    };
  }

  const server = createHttpsServer(
    {
      ...common,
      ...tls.context,
      ALPNProtocols: [...ALPN_PROTOCOLS],
      handshakeTimeout: limits.tlsHandshakeTimeoutMs,
      requestCert: tls.mtls,
      rejectUnauthorized: false, // enforced in the secureConnection handler below, which also logs the reason
    },
  );
  const guard = createConnectionGuard(server, limits, guardDeps);
  server.on('request', guard.wrap(app));
  applyLimits(server, limits);
  let allowed = compileSubjectPatterns(config.listen.tls?.clientAuth?.allowedSubjects ?? []);
  let mtls = tls.mtls;

  // spec A13 / C54: a certificate that does not verify, or whose subject is not allowed, never gets to send a
  // request. Node verifies the chain after OpenSSL's handshake callback (it cannot send an alert for it); with
  // rejectUnauthorized off at the node level we do the same rejection here, at the same moment, and log why.
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    if (!mtls) return;
    if (!socket.authorized) {
      logger.warn({ remoteAddress: socket.remoteAddress, reason: socket.authorizationError ?? 'no client certificate' }, 'mTLS client certificate refused; connection closed');
      socket.destroy();
      return;
    }
    const names = certificateNames(socket.getPeerCertificate());
    if (names.some(allowed)) return;
    logger.warn({ remoteAddress: socket.remoteAddress, clientSubjects: names.slice(0, 10) }, 'mTLS client subject not allowed; connection closed');
    socket.destroy();
  });
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
    logger.warn({ remoteAddress: socket.remoteAddress, code: error.code, reason: error.message.slice(0, 200) }, 'TLS handshake failed');
  });

  function warnRestartOnly(next: ProxyConfig): void {
    if ((next.listen.tls !== undefined) !== started.tls) logger.warn('listen.tls was added or removed: restart the proxy to switch between HTTP and HTTPS');
    const { maxHeaderBytes, tlsHandshakeTimeoutMs, listenBacklog } = next.limits;
    if (maxHeaderBytes !== started.limits.maxHeaderBytes || tlsHandshakeTimeoutMs !== started.limits.tlsHandshakeTimeoutMs || listenBacklog !== started.limits.listenBacklog) {
      logger.warn('limits.maxHeaderBytes, limits.tlsHandshakeTimeoutMs and limits.listenBacklog take effect at the next restart');
    }
  }

  return {
    server,
    scheme: 'https',
    apply(next, nextTls) {
      warnRestartOnly(next);
      applyLimits(server, next.limits);
      guard.apply(next.limits);
      if (nextTls === undefined) return;
      server.setSecureContext(nextTls.context);
      // tls.Server reads these per connection; setSecureContext leaves them alone.
      Object.assign(server, { requestCert: nextTls.mtls, rejectUnauthorized: false });
      allowed = compileSubjectPatterns(next.listen.tls?.clientAuth?.allowedSubjects ?? []);
      mtls = nextTls.mtls;
      // A resumed session skips certificate verification: new ticket keys so old sessions cannot outlive a CA change.
      server.setTicketKeys(randomBytes(48));
    },
  };
}
