/**
 * What every `xks check` case works with: the inputs the user gave, a client that calls the proxy as KMS does
 * (src/xks-client/xks-client.ts over src/xks-client/xks-transport.ts, shared with the emulator), and a raw signed sender for
 * the requests KMS never sends (bad signatures, skewed clocks, GET, malformed fields).
 */
import { randomUUID } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { createXksClient, type RequestMetadata, type XksClient } from '../xks-client/xks-client.js';
import {
  buildTrustedCas,
  postToXksProxy,
  type XksEndpointTarget,
  type XksRequestVariant,
  type XksTransportOptions,
  type XksTransportResult,
} from '../xks-client/xks-transport.js';
import type { CheckNeed } from './check-case.js';

export interface CheckCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface CheckInputs {
  /** `https://host[:port]`; `http://` only for loopback rehearsals (the TLS cases are then skipped). */
  readonly endpoint: string;
  /** XksProxyUriPath: `[/<prefix>]/kms/xks/v1`. */
  readonly uriPath: string;
  readonly credential: CheckCredential;
  /** The KMS Region that signs (SigV4 scope). */
  readonly region: string;
  /** An external key with ENCRYPT and DECRYPT, enabled. */
  readonly keyId: string;
  readonly encryptOnlyKeyId?: string;
  readonly decryptOnlyKeyId?: string;
  readonly noUsageKeyId?: string;
  readonly disabledKeyId?: string;
  /** spec A12 / C56: a second live credential of the same key store. */
  readonly secondCredential?: CheckCredential;
  /** Extra trusted CAs (PEM), besides the system store. */
  readonly caPem: readonly string[];
  /** spec A13: the client certificate and key (PEM) an mTLS proxy expects. */
  readonly clientCert?: { readonly cert: string; readonly key: string };
  /** Per-call limit for the functional cases (the latency cases judge against 250 ms separately). */
  readonly timeoutMs: number;
  /** Calls per operation for the latency cases. */
  readonly latencySamples: number;
  /**
   * The latency cases' budget (default KMS_CALL_BUDGET_MS, spec A16's 250 ms). Larger only where the machine, not
   * the proxy, is being measured: a loaded test machine (`xks check --latency-budget-ms`).
   */
  readonly latencyBudgetMs?: number;
}

export interface SendVariant extends XksRequestVariant {
  readonly credential?: CheckCredential;
  readonly uriPath?: string;
  readonly region?: string;
  /** Shift the signing clock (spec A12 freshness). */
  readonly clockOffsetMs?: number;
  /** Leave the client certificate out (spec A13 refusal). */
  readonly withoutClientCert?: boolean;
}

export interface CheckContext {
  readonly inputs: CheckInputs;
  readonly target: XksEndpointTarget;
  /** Calls exactly as KMS makes them, answers read and checked as the emulator reads them. */
  readonly client: XksClient;
  readonly https: boolean;
  send(apiPath: string, body: string | object, variant?: SendVariant): Promise<XksTransportResult>;
  /** spec A3: requestMetadata with every field KMS may send (optional ones included), a fresh kmsRequestId. */
  metadata(kmsOperation: string, overrides?: Partial<RequestMetadata>): RequestMetadata;
  keyPath(externalKeyId: string, operation: 'metadata' | 'encrypt' | 'decrypt'): string;
  has(need: CheckNeed): boolean;
  /** Latency samples per operation, filled by the latency cases of this run. */
  readonly latency: Map<string, number[]>;
  /** The input that satisfies a key need. */
  keyFor(need: 'encryptOnlyKey' | 'decryptOnlyKey' | 'noUsageKey' | 'disabledKey'): string;
}

const ACCOUNT = '111122223333';

export function createCheckContext(inputs: CheckInputs): CheckContext {
  const https = inputs.endpoint.startsWith('https:');
  const trustWith = (clientCert: boolean): SecureContext =>
    createSecureContext({
      ca: buildTrustedCas(inputs.caPem),
      minVersion: 'TLSv1.2',
      ...(clientCert && inputs.clientCert !== undefined && { cert: inputs.clientCert.cert, key: inputs.clientCert.key }),
    });
  const trust = trustWith(true);
  const untrustedClient = trustWith(false);
  const options = (region: string, clockOffsetMs: number, withoutClientCert: boolean): XksTransportOptions => ({
    region,
    extraCaPem: inputs.caPem,
    allowHttpLoopback: true,
    resolve: new Map(),
    dnsMode: 'system',
    timeoutMs: inputs.timeoutMs,
    trust: withoutClientCert ? untrustedClient : trust,
    now: () => new Date(Date.now() + clockOffsetMs),
  });
  const target: XksEndpointTarget = {
    uriEndpoint: inputs.endpoint,
    uriPath: inputs.uriPath,
    accessKeyId: inputs.credential.accessKeyId,
    rawSecretAccessKey: inputs.credential.secretAccessKey,
  };
  const keyInputs = {
    encryptOnlyKey: inputs.encryptOnlyKeyId,
    decryptOnlyKey: inputs.decryptOnlyKeyId,
    noUsageKey: inputs.noUsageKeyId,
    disabledKey: inputs.disabledKeyId,
  } as const;

  return {
    inputs,
    target,
    https,
    client: createXksClient(options(inputs.region, 0, false)),
    latency: new Map(),
    send(apiPath, body, variant = {}) {
      const t: XksEndpointTarget = {
        ...target,
        ...(variant.uriPath !== undefined && { uriPath: variant.uriPath }),
        ...(variant.credential !== undefined && { accessKeyId: variant.credential.accessKeyId, rawSecretAccessKey: variant.credential.secretAccessKey }),
      };
      const o = options(variant.region ?? inputs.region, variant.clockOffsetMs ?? 0, variant.withoutClientCert === true);
      return postToXksProxy(t, apiPath, typeof body === 'string' ? body : JSON.stringify(body), o, variant);
    },
    metadata(kmsOperation, overrides = {}) {
      return {
        awsPrincipalArn: `arn:aws:iam::${ACCOUNT}:role/xks-check`,
        awsSourceVpc: 'vpc-0a1b2c3d4e5f60718',
        awsSourceVpce: 'vpce-0a1b2c3d4e5f60718',
        kmsKeyArn: `arn:aws:kms:${inputs.region}:${ACCOUNT}:key/${randomUUID()}`,
        kmsOperation,
        kmsRequestId: randomUUID(),
        kmsViaService: 'ebs',
        ...overrides,
      };
    },
    keyPath: (externalKeyId, operation) => `/keys/${encodeURIComponent(externalKeyId)}/${operation}`,
    has(need) {
      switch (need) {
        case 'https':
          return https;
        case 'clientCert':
          return https && inputs.clientCert !== undefined;
        case 'secondCredential':
          return inputs.secondCredential !== undefined;
        default:
          return keyInputs[need] !== undefined;
      }
    },
    keyFor(need) {
      const id = keyInputs[need];
      if (id === undefined) throw new Error(`no input for ${need}`);
      return id;
    },
  };
}
