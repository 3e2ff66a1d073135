/**
 * One signed POST to an XKS proxy, the way KMS sends it (spec B11, A12): SigV4 over `host;x-amz-date` with the
 * store's credential, service `kms-xks-proxy`, the KMS region; TCP + TLS + HTTP bounded by one timeout
 * (250 ms, spec A16); TLS trust = system CAs plus configured extra CAs; plain http only to loopback and only
 * when enabled. Failures come back as values that name the phase that failed, for the connection diagnosis.
 */
import aws4 from 'aws4';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { LookupFunction } from 'node:net';
import { lookup as systemLookup } from 'node:dns';
import { exchangeWithProxy } from './xks-exchange.js';
import type { XksConnectionPool } from './xks-connection-pool.js';

export interface XksEndpointTarget {
  readonly uriEndpoint: string;
  readonly uriPath: string;
  readonly accessKeyId: string;
  readonly rawSecretAccessKey: string;
  /** The store the call is for (the console's Proxy calls page); not sent anywhere. */
  readonly customKeyStoreId?: string;
  readonly customKeyStoreName?: string;
}

export interface ResolvedAddress {
  readonly address: string;
  readonly port: number | undefined;
}

/**
 * What a caller of an XKS proxy decides: the KMS emulator fills it from its configuration, `xks check` and
 * `xks probe` from their flags.
 */
export interface XksTransportOptions {
  /** The Region in the SigV4 credential scope (KMS signs with its own Region). */
  readonly region: string;
  /** PEM CA certificates trusted in addition to the system's. */
  readonly extraCaPem: readonly string[];
  /** Plain http is allowed, and only to a loopback address. */
  readonly allowHttpLoopback: boolean;
  /** Host-name overrides, like curl's --resolve: `xks.example.test` -> 127.0.0.1:8443. */
  readonly resolve: ReadonlyMap<string, ResolvedAddress>;
  /** `static`: only `resolve` entries and localhost resolve (tests: no DNS traffic); `system`: fall back to the OS resolver. */
  readonly dnsMode: 'system' | 'static';
  /** spec A16: 250 ms (KmsEmulatorConfig.proxyTimeoutMs). */
  readonly timeoutMs: number;
  /** The TLS trust store (system CAs + extraCaPem), built once by createTrust: parsing ~140 CAs costs tens of ms. */
  readonly trust: SecureContext;
  readonly now: () => Date;
  /**
   * Keep-alive connections per proxy and the emulator's bounded queue in front of them (the KMS emulator passes
   * one). Absent: one fresh connection per call (`xks check`).
   */
  readonly pool?: XksConnectionPool;
}

/**
 * What a conformance checker (`xks check`) varies on purpose; KMS itself always sends POST, signed for
 * `kms-xks-proxy`. Omitted: KMS's behaviour.
 */
export interface XksRequestVariant {
  /** spec A1: a GET must be refused with 405. */
  readonly method?: 'POST' | 'GET';
  /** spec A12: a scope naming another service must be refused with 401. */
  readonly service?: string;
}

/**
 * Where a call failed. `emulator-queue`: the call never reached the proxy because the emulator's own connection
 * queue for that proxy was full or waited too long (the emulator is the bottleneck, not the proxy).
 */
export type FailurePhase = 'dns' | 'tcp' | 'tls' | 'timeout' | 'insecure-transport' | 'emulator-queue';

/**
 * `elapsedMs`: the proxy's share, from the moment the call had its connection (a kept-alive socket: the moment
 * the request is written; a new socket: including its TCP and TLS handshakes, which KMS's 250 ms also covers,
 * clause A16). `queueMs`: time spent before that in the emulator's own queue (never counted against the proxy).
 */
export type XksTransportResult =
  | { readonly kind: 'response'; readonly status: number; readonly body: string; readonly elapsedMs: number; readonly queueMs?: number }
  | { readonly kind: 'failure'; readonly phase: FailurePhase; readonly detail: string; readonly elapsedMs: number; readonly queueMs?: number };

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

export function buildTrustedCas(extraCaPem: readonly string[]): string[] {
  return [...rootCertificates, ...extraCaPem];
}

/** spec A12: the server certificate must chain to a trusted CA; TLS 1.2 or later (A1). */
export function createTrust(extraCaPem: readonly string[]): SecureContext {
  return createSecureContext({ ca: buildTrustedCas(extraCaPem), minVersion: 'TLSv1.2' });
}

function createLookup(options: XksTransportOptions): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    const mapped = options.resolve.get(hostname.toLowerCase());
    let address: string | undefined = mapped?.address;
    if (address === undefined && hostname === 'localhost') address = '127.0.0.1';
    if (address === undefined) {
      if (options.dnsMode === 'system') {
        systemLookup(hostname, lookupOptions, callback);
        return;
      }
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (static resolver: no --resolve entry)`), { code: 'ENOTFOUND' }) as NodeJS.ErrnoException;
      callback(err, '');
      return;
    }
    const family = address.includes(':') ? 6 : 4;
    if (lookupOptions.all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    } else {
      callback(null, address, family);
    }
  };
}

/**
 * POST `<UriEndpoint><UriPath><apiPath>` with a SigV4-signed JSON body. Never throws. With `options.pool`, the
 * call first waits (bounded) for a keep-alive connection to that proxy; that wait is `queueMs`, not the proxy's.
 */
export async function postToXksProxy(
  target: XksEndpointTarget,
  apiPath: string,
  body: string,
  options: XksTransportOptions,
  variant: XksRequestVariant = {},
): Promise<XksTransportResult> {
  const method = variant.method ?? 'POST';
  let url: URL;
  try {
    url = new URL(target.uriEndpoint);
  } catch {
    return { kind: 'failure', phase: 'dns', detail: `unparseable endpoint ${target.uriEndpoint}`, elapsedMs: 0 };
  }
  const secure = url.protocol === 'https:';
  if (!secure && !(options.allowHttpLoopback && isLoopbackHost(url.hostname))) {
    return { kind: 'failure', phase: 'insecure-transport', detail: `plain http to ${url.hostname} is not allowed`, elapsedMs: 0 };
  }
  const mapped = options.resolve.get(url.hostname.toLowerCase());
  const port = url.port !== '' ? Number(url.port) : (mapped?.port ?? (secure ? 443 : 80));
  // KMS signs the endpoint's host as configured (always port 443, so no port); a loopback endpoint keeps its port.
  const hostHeader = url.host;
  const path = `${target.uriPath}${apiPath}`;
  const amzDate = options.now().toISOString().replace(/[:-]|\.\d{3}/g, '');
  // aws4 with doNotModifyHeaders would sign with its own clock: pin the signer's datetime to X-Amz-Date.
  const signer = new aws4.RequestSigner(
    {
      host: hostHeader,
      path,
      method,
      service: variant.service ?? 'kms-xks-proxy',
      region: options.region,
      body,
      headers: { Host: hostHeader, 'X-Amz-Date': amzDate },
      doNotModifyHeaders: true,
    },
    { accessKeyId: target.accessKeyId, secretAccessKey: target.rawSecretAccessKey },
  );
  signer.datetime = amzDate;
  const signed = signer.sign();
  const headers: Record<string, string> = {
    Host: hostHeader,
    'X-Amz-Date': amzDate,
    Authorization: String(signed.headers?.['Authorization'] ?? ''),
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
  };
  const origin = `${url.protocol}//${url.host}`;
  const request = {
    secure,
    options: { host: url.hostname.replace(/^\[|\]$/g, ''), port, path, method, headers, lookup: createLookup(options), ...(secure && { secureContext: options.trust, servername: url.hostname, minVersion: 'TLSv1.2' as const }) },
    body,
    timeoutMs: options.timeoutMs,
  };
  if (options.pool === undefined) return exchangeWithProxy({ ...request, agent: false });
  const pool = options.pool;
  const slot = await pool.acquire(origin, secure);
  if (!slot.ok) return { kind: 'failure', phase: 'emulator-queue', detail: slot.detail, elapsedMs: 0, queueMs: slot.queueMs };
  try {
    let result = await exchangeWithProxy({ ...request, agent: slot.agent, onLag: (detail) => pool.record(origin, 'emulator-lag', detail) });
    // A kept-alive socket the proxy closed while it was idle fails before any answer: once more on a new one.
    if (result.kind === 'failure' && result.staleSocket === true) result = await exchangeWithProxy({ ...request, agent: slot.agent, onLag: (detail) => pool.record(origin, 'emulator-lag', detail) });
    if (result.kind === 'failure' && result.phase === 'timeout') pool.record(origin, 'proxy-timeout', result.detail);
    const { staleSocket: _ignored, ...plain } = result.kind === 'failure' ? result : { ...result, staleSocket: undefined };
    return { ...plain, queueMs: slot.queueMs };
  } finally {
    slot.release();
  }
}
