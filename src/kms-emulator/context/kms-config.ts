/**
 * The emulator's options, validated once and frozen. Tests build it as a plain object with
 * `buildKmsEmulatorConfig({...overrides})`; the CLI builds it from flags and an optional JSON file.
 */
import { NO_IDENTITIES, type Identities } from '../access/identities.js';
import type { ResolvedAddress } from '../../xks-client/xks-transport.js';

/** An entry of the emulated registry of VPC endpoint services (spec B4 requirements). */
export interface VpcEndpointServiceEntry {
  readonly serviceName: string;
  /** 12-digit account; defaults to the emulator's account. */
  readonly owner?: string;
  /** The private DNS name; the store's XksProxyUriEndpoint must be `https://<privateDnsName>`. */
  readonly privateDnsName: string;
  /** false: `cks.kms.<region>.amazonaws.com` is not an allowed principal -> XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND. */
  readonly allowsKmsPrincipal?: boolean;
  /** B4 requirements the service breaks (e.g. "acceptance required", "one subnet") -> XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION. */
  readonly problems?: readonly string[];
}

export interface EmulatorCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly principalArn?: string;
}

export interface KmsEmulatorConfig {
  readonly region: string;
  readonly accountId: string;
  /** awsPrincipalArn sent to the proxy when the caller is not matched to a configured credential. */
  readonly principalArn: string;
  /** How long a store stays CONNECTING at least (AWS: about 5 minutes). */
  readonly connectingDelayMs: number;
  readonly disconnectingDelayMs: number;
  /** Period of the KmsHealthCheck probe while CONNECTED (AWS: "every few minutes"). */
  readonly healthCheckIntervalMs: number;
  /** spec B3: custom key stores per account and Region. */
  readonly maxCustomKeyStores: number;
  /** spec A16: KMS gives each proxy call 250 ms for TCP + TLS + HTTP. */
  readonly proxyTimeoutMs: number;
  /** Calls on the wire at once per proxy endpoint, each on a keep-alive connection (xks-connection-pool.ts). */
  readonly proxyMaxConnections: number;
  /** Calls that may wait for a connection per proxy endpoint; beyond, ThrottlingException (the emulator's overload). */
  readonly proxyQueueLimit: number;
  /** A call that waited this long for a connection fails as the emulator's overload; the proxy is not called. */
  readonly proxyQueueTimeoutMs: number;
  /** PEM CA certificates trusted in addition to the system store (spec A12: "make the trust anchor configurable"). */
  readonly extraCaPem: readonly string[];
  /** Allow `http://` endpoints on loopback hosts (a local rehearsal convenience; never what KMS does). */
  readonly allowHttpLoopback: boolean;
  /** Host-name overrides, like curl's --resolve: `xks.example.test` -> 127.0.0.1:8443. */
  readonly resolve: ReadonlyMap<string, ResolvedAddress>;
  /** `static`: only `resolve` entries and localhost resolve (tests: no DNS traffic); `system`: fall back to the OS resolver. */
  readonly dnsMode: 'system' | 'static';
  readonly vpcEndpointServices: readonly VpcEndpointServiceEntry[];
  /** Ask the proxy for the CDIV on every Encrypt and check it (spec A9). */
  readonly requestCdiv: boolean;
  /** When set, only SigV4 requests signed with one of these are accepted; otherwise any well-formed signature. */
  readonly credentials: readonly EmulatorCredential[] | undefined;
  /** Fault injection: every Connect ends FAILED with INTERNAL_ERROR. */
  readonly faultConnectInternalError: boolean;
  /** `--identities`: access key id -> principal ARN, account, IAM policy; strict mode (NO_IDENTITIES: none, not strict). */
  readonly identities: Identities;
}

export const DEFAULT_KMS_EMULATOR_CONFIG: KmsEmulatorConfig = Object.freeze({
  region: 'us-east-1',
  accountId: '111122223333',
  principalArn: 'arn:aws:iam::111122223333:user/xks-rehearsal',
  connectingDelayMs: 1000,
  disconnectingDelayMs: 500,
  healthCheckIntervalMs: 60_000,
  maxCustomKeyStores: 10,
  proxyTimeoutMs: 250,
  proxyMaxConnections: 4,
  proxyQueueLimit: 2000,
  proxyQueueTimeoutMs: 10_000,
  extraCaPem: [],
  allowHttpLoopback: false,
  resolve: new Map(),
  dnsMode: 'system',
  vpcEndpointServices: [],
  requestCdiv: true,
  credentials: undefined,
  faultConnectInternalError: false,
  identities: NO_IDENTITIES,
});

export function buildKmsEmulatorConfig(overrides: Partial<KmsEmulatorConfig> = {}): KmsEmulatorConfig {
  const config = { ...DEFAULT_KMS_EMULATOR_CONFIG, ...overrides };
  const problems: string[] = [];
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(config.region)) problems.push(`region must look like us-east-1, got ${config.region}`);
  if (!/^\d{12}$/.test(config.accountId)) problems.push(`accountId must be 12 digits, got ${config.accountId}`);
  for (const [name, v] of [['connectingDelayMs', config.connectingDelayMs], ['disconnectingDelayMs', config.disconnectingDelayMs], ['proxyTimeoutMs', config.proxyTimeoutMs]] as const) {
    if (!Number.isInteger(v) || v < 0) problems.push(`${name} must be a non-negative integer, got ${v}`);
  }
  if (!Number.isInteger(config.healthCheckIntervalMs) || config.healthCheckIntervalMs < 10) problems.push('healthCheckIntervalMs must be an integer >= 10');
  if (!Number.isInteger(config.maxCustomKeyStores) || config.maxCustomKeyStores < 1) problems.push('maxCustomKeyStores must be a positive integer');
  for (const [name, v] of [['proxyMaxConnections', config.proxyMaxConnections], ['proxyQueueLimit', config.proxyQueueLimit], ['proxyQueueTimeoutMs', config.proxyQueueTimeoutMs]] as const) {
    if (!Number.isInteger(v) || v < 1) problems.push(`${name} must be a positive integer, got ${v}`);
  }
  if (problems.length > 0) throw new Error(`Invalid KMS emulator configuration:\n- ${problems.join('\n- ')}`);
  return Object.freeze(config);
}
