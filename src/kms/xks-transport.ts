/**
 * One signed POST to an XKS proxy, the way KMS sends it (spec B11, A12): SigV4 over `host;x-amz-date` with the
 * store's credential, service `kms-xks-proxy`, the KMS region; TCP + TLS + HTTP bounded by one timeout
 * (250 ms, spec A16); TLS trust = system CAs plus configured extra CAs; plain http only to loopback and only
 * when enabled. Failures come back as values that name the phase that failed, for the connection diagnosis.
 */
import aws4 from 'aws4';
import type { KmsEmulatorConfig } from './kms-config.js';
import http from 'node:http';
import https from 'node:https';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { LookupFunction } from 'node:net';
import { lookup as systemLookup } from 'node:dns';

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

/** The transport's share of the emulator configuration (documented there), plus the per-call timeout and clock. */
export type XksTransportOptions = Pick<KmsEmulatorConfig, 'region' | 'extraCaPem' | 'allowHttpLoopback' | 'resolve' | 'dnsMode'> & {
  /** spec A16: 250 ms (KmsEmulatorConfig.proxyTimeoutMs). */
  readonly timeoutMs: number;
  /** The TLS trust store (system CAs + extraCaPem), built once by createTrust: parsing ~140 CAs costs tens of ms. */
  readonly trust: SecureContext;
  readonly now: () => Date;
};

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

export type XksTransportResult =
  | { readonly kind: 'response'; readonly status: number; readonly body: string; readonly elapsedMs: number }
  | { readonly kind: 'failure'; readonly phase: FailurePhase; readonly detail: string; readonly elapsedMs: number };

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const MAX_RESPONSE_BYTES = 1024 * 1024;

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

/** POST `<UriEndpoint><UriPath><apiPath>` with a SigV4-signed JSON body. Never throws. */
export function postToXksProxy(
  target: XksEndpointTarget,
  apiPath: string,
  body: string,
  options: XksTransportOptions,
  variant: XksRequestVariant = {},
): Promise<XksTransportResult> {
  const method = variant.method ?? 'POST';
  const started = Date.now();
  const elapsed = (): number => Date.now() - started;
  let url: URL;
  try {
    url = new URL(target.uriEndpoint);
  } catch {
    return Promise.resolve({ kind: 'failure', phase: 'dns', detail: `unparseable endpoint ${target.uriEndpoint}`, elapsedMs: 0 });
  }
  const secure = url.protocol === 'https:';
  if (!secure && !(options.allowHttpLoopback && isLoopbackHost(url.hostname))) {
    return Promise.resolve({ kind: 'failure', phase: 'insecure-transport', detail: `plain http to ${url.hostname} is not allowed`, elapsedMs: 0 });
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

  return new Promise((resolve) => {
    let settled = false;
    let connected = false;
    let secured = false;
    const finish = (result: XksTransportResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const requestOptions: https.RequestOptions & { secureContext?: SecureContext } = {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port,
      path,
      method,
      headers,
      agent: false,
      lookup: createLookup(options),
    };
    if (secure) {
      requestOptions.secureContext = options.trust;
      requestOptions.servername = url.hostname;
      requestOptions.minVersion = 'TLSv1.2';
    }
    const req = (secure ? https : http).request(requestOptions, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        finish({ kind: 'response', status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), elapsedMs: elapsed() });
      });
      res.on('error', (e) => finish({ kind: 'failure', phase: 'tcp', detail: e.message, elapsedMs: elapsed() }));
    });
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        connected = true;
      });
      socket.once('secureConnect', () => {
        secured = true;
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? '';
      let phase: FailurePhase;
      if (DNS_CODES.has(code)) phase = 'dns';
      else if (!connected) phase = 'tcp';
      else if (secure && !secured) phase = 'tls';
      else phase = 'tcp';
      finish({ kind: 'failure', phase, detail: `${code} ${e.message}`.trim(), elapsedMs: elapsed() });
    });
    const timer = setTimeout(() => {
      finish({ kind: 'failure', phase: 'timeout', detail: `no complete answer within ${options.timeoutMs} ms`, elapsedMs: elapsed() });
      req.destroy();
    }, options.timeoutMs);
    req.end(body);
  });
}
