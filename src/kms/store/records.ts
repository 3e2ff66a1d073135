/** Records the emulator persists (spec B2, B5, B10). Field names follow the KMS API where one exists. */

export const CONNECTION_STATES = ['CONNECTED', 'CONNECTING', 'FAILED', 'DISCONNECTED', 'DISCONNECTING'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** spec B6: the ConnectionErrorCode values that apply to external key stores. */
export const XKS_CONNECTION_ERROR_CODES = [
  'INTERNAL_ERROR',
  'NETWORK_ERRORS',
  'INVALID_CREDENTIALS',
  'XKS_PROXY_ACCESS_DENIED',
  'XKS_PROXY_INVALID_CONFIGURATION',
  'XKS_PROXY_INVALID_RESPONSE',
  'XKS_PROXY_INVALID_TLS_CONFIGURATION',
  'XKS_PROXY_NOT_REACHABLE',
  'XKS_PROXY_TIMED_OUT',
  'XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION',
  'XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND',
] as const;
export type ConnectionErrorCode = (typeof XKS_CONNECTION_ERROR_CODES)[number];

export type XksProxyConnectivity = 'PUBLIC_ENDPOINT' | 'VPC_ENDPOINT_SERVICE';

export interface CustomKeyStoreRecord {
  readonly customKeyStoreId: string;
  readonly customKeyStoreName: string;
  readonly connectivity: XksProxyConnectivity;
  readonly uriEndpoint: string;
  readonly uriPath: string;
  readonly accessKeyId: string;
  /** Never returned by any API (spec B9) and never logged. */
  readonly rawSecretAccessKey: string;
  readonly vpcEndpointServiceName: string | undefined;
  readonly vpcEndpointServiceOwner: string | undefined;
  readonly connectionState: ConnectionState;
  readonly connectionErrorCode: ConnectionErrorCode | undefined;
  /** Epoch milliseconds. */
  readonly creationDate: number;
}

export type KmsKeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

export interface KmsKeyRecord {
  /** UUID. */
  readonly keyId: string;
  readonly arn: string;
  readonly customKeyStoreId: string;
  readonly xksKeyId: string;
  readonly description: string;
  /** The stored state; the reported KeyState is Unavailable while the store is not CONNECTED (spec B1). */
  readonly keyState: KmsKeyState;
  readonly creationDate: number;
  readonly deletionDate: number | undefined;
  readonly pendingWindowInDays: number | undefined;
  /** The inner-layer key material held by the emulator (spec B1 double encryption). Never logged. */
  readonly keyMaterial: Buffer;
}
