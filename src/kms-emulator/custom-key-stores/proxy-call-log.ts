/**
 * Every call the emulator made to an XKS proxy (spec B11), for the console's Proxy calls page and Try-it panel:
 * time, key store, XKS operation, kmsRequestId, HTTP status, errorName and latency against the 250 ms budget
 * (spec A16). A bounded ring wrapped around the transport, so every caller (create, connect, health checks, CreateKey,
 * crypto) is recorded in one place. Never holds a body, plaintext, key material or the credential's secret.
 */
import { XKS_ERROR_STATUS } from '../../errors/xks-errors.js';
import type { XksTransport } from '../../xks-client/xks-client.js';

export interface ProxyCall {
  /** Increasing number, unique per emulator process. */
  readonly seq: number;
  /** Epoch ms when the call started. */
  readonly at: number;
  readonly customKeyStoreId?: string;
  readonly customKeyStoreName?: string;
  /** XksProxyUriEndpoint + XksProxyUriPath. */
  readonly endpoint: string;
  /** GetHealthStatus, GetKeyMetadata, Encrypt or Decrypt. */
  readonly operation: string;
  readonly kmsOperation?: string;
  readonly kmsRequestId?: string;
  /** HTTP status; absent when no answer came (see `failure`). */
  readonly status?: number;
  /** The errorName of an error answer (spec A10), when it names one. */
  readonly errorName?: string;
  /** Transport failure: the phase and detail (dns, tcp, tls, timeout, insecure-transport). */
  readonly failure?: string;
  /** The proxy's time: from the request written to the answer (the budget's clock). */
  readonly latencyMs: number;
  /** Time the call waited in the emulator's own connection queue first (not the proxy's). */
  readonly queueMs?: number;
  /** The per-call budget (spec A16: 250 ms). */
  readonly budgetMs: number;
}

export interface ProxyCallLog {
  /** Newest first. */
  list(): readonly ProxyCall[];
  /** Calls that carried this kmsRequestId, oldest first (one KMS operation can cause several). */
  byRequestId(kmsRequestId: string): readonly ProxyCall[];
  bySeq(seq: number): ProxyCall | undefined;
}

export const PROXY_CALL_LOG_CAPACITY = 500;

const OPERATION_BY_SUFFIX: readonly (readonly [string, string])[] = [
  ['/health', 'GetHealthStatus'],
  ['/metadata', 'GetKeyMetadata'],
  ['/encrypt', 'Encrypt'],
  ['/decrypt', 'Decrypt'],
];

function metadataOf(body: string): { kmsRequestId?: string; kmsOperation?: string } {
  try {
    const parsed = JSON.parse(body) as { requestMetadata?: { kmsRequestId?: unknown; kmsOperation?: unknown } };
    const m = parsed.requestMetadata;
    return {
      ...(typeof m?.kmsRequestId === 'string' && { kmsRequestId: m.kmsRequestId }),
      ...(typeof m?.kmsOperation === 'string' && { kmsOperation: m.kmsOperation }),
    };
  } catch {
    return {};
  }
}

function errorNameOf(body: string): string | undefined {
  try {
    const name = (JSON.parse(body) as { errorName?: unknown }).errorName;
    return typeof name === 'string' && Object.hasOwn(XKS_ERROR_STATUS, name) ? name : undefined;
  } catch {
    return undefined;
  }
}

/** Wrap a transport so each call it makes is recorded; returns the wrapped transport and the log. */
export function createProxyCallLog(transport: XksTransport, clock: () => number, capacity = PROXY_CALL_LOG_CAPACITY): { transport: XksTransport; log: ProxyCallLog } {
  const ring: ProxyCall[] = [];
  let seq = 0;
  const recording: XksTransport = async (target, apiPath, body, options) => {
    const at = clock();
    const meta = metadataOf(body);
    const result = await transport(target, apiPath, body, options);
    const errorName = result.kind === 'response' && result.status !== 200 ? errorNameOf(result.body) : undefined;
    const call: ProxyCall = {
      seq: ++seq,
      at,
      ...(target.customKeyStoreId !== undefined && { customKeyStoreId: target.customKeyStoreId }),
      ...(target.customKeyStoreName !== undefined && { customKeyStoreName: target.customKeyStoreName }),
      endpoint: `${target.uriEndpoint}${target.uriPath}`,
      operation: OPERATION_BY_SUFFIX.find(([suffix]) => apiPath.endsWith(suffix))?.[1] ?? apiPath,
      ...meta,
      ...(result.kind === 'response' ? { status: result.status } : { failure: `${result.phase}: ${result.detail}` }),
      ...(errorName !== undefined && { errorName }),
      latencyMs: result.elapsedMs,
      ...(result.queueMs !== undefined && result.queueMs > 0 && { queueMs: result.queueMs }),
      budgetMs: options.timeoutMs,
    };
    ring.push(call);
    if (ring.length > capacity) ring.shift();
    return result;
  };
  return {
    transport: recording,
    log: {
      list: () => [...ring].reverse(),
      byRequestId: (id) => ring.filter((c) => c.kmsRequestId === id),
      bySeq: (n) => ring.find((c) => c.seq === n),
    },
  };
}
