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
  /**
   * What the store's proxy said about its key manager in the last GetHealthStatus answered (spec A7): at connect and
   * in the periodic health checks. Not part of any AWS API; the console's "Key custody" (docs/console.md). Absent
   * until a call succeeded, and dropped when the proxy's endpoint or path changes. Proxy-supplied text: never HTML.
   */
  readonly keyManager?: KeyManagerReport;
}

/** A proxy's own account of its key manager, from a GetHealthStatus answer (spec A7). */
export interface KeyManagerReport {
  /** Epoch milliseconds of the answer. */
  readonly at: number;
  readonly xksProxyVendor: string;
  readonly ekmVendor: string;
  readonly ekmFleetDetails: readonly { readonly id: string; readonly model: string }[];
}

export type KmsKeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

/** AWS_KMS: a standard key whose material the emulator holds; EXTERNAL_KEY_STORE: an XKS key (spec B10). */
export type KeyOrigin = 'AWS_KMS' | 'EXTERNAL_KEY_STORE';

/**
 * One version of a key's material. A standard key gets a new version on each rotation; an XKS key has exactly one
 * (its KMS-side layer of the double encryption, spec B1). `material` is plaintext in memory only: the state
 * store wraps it under the file's wrapping key at rest. Never logged.
 */
export interface KeyMaterialVersion {
  /** 0 for the original material, then 1, 2, ... (carried in ciphertext blobs). */
  readonly version: number;
  /** KeyMaterialId / CurrentKeyMaterialId of the API: 64 hex characters. */
  readonly id: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  /** How this version came to be: undefined for the original material. */
  readonly rotationType: 'AUTOMATIC' | 'ON_DEMAND' | undefined;
  readonly material: Buffer;
}

export interface ResourceTag {
  readonly TagKey: string;
  readonly TagValue: string;
}

export interface KeyRotationSettings {
  readonly enabled: boolean;
  /** Set while automatic rotation is enabled (and kept when disabled, as KMS does for the next enable). */
  readonly periodInDays: number | undefined;
  /** Epoch milliseconds of the next automatic rotation, while enabled. */
  readonly nextRotationDate: number | undefined;
}

export interface KmsKeyRecord {
  /** UUID. */
  readonly keyId: string;
  readonly arn: string;
  readonly origin: KeyOrigin;
  /** EXTERNAL_KEY_STORE keys only. */
  readonly customKeyStoreId: string | undefined;
  readonly xksKeyId: string | undefined;
  readonly description: string;
  /** The stored state; an XKS key reports Unavailable while its store is not CONNECTED (spec B1). */
  readonly keyState: KmsKeyState;
  readonly creationDate: number;
  readonly deletionDate: number | undefined;
  readonly pendingWindowInDays: number | undefined;
  /** Oldest first; the last one encrypts. */
  readonly materials: readonly KeyMaterialVersion[];
  /** The key policy document (evaluated on every key operation: resources/key-access.ts). */
  readonly policy: string;
  readonly tags: readonly ResourceTag[];
  readonly rotation: KeyRotationSettings;
}

export interface AliasRecord {
  /** `alias/...` */
  readonly aliasName: string;
  readonly targetKeyId: string;
  readonly creationDate: number;
  readonly lastUpdatedDate: number;
}

export interface GrantConstraintsRecord {
  readonly EncryptionContextSubset?: Readonly<Record<string, string>>;
  readonly EncryptionContextEquals?: Readonly<Record<string, string>>;
}

/** A grant: it allows its operations to its grantee (resources/key-access.ts). */
export interface GrantRecord {
  readonly grantId: string;
  readonly grantToken: string;
  readonly keyId: string;
  readonly name: string | undefined;
  readonly granteePrincipal: string;
  readonly retiringPrincipal: string | undefined;
  readonly issuingAccount: string;
  readonly operations: readonly string[];
  readonly constraints: GrantConstraintsRecord | undefined;
  readonly creationDate: number;
}

/**
 * The key policy KMS attaches when CreateKey has no Policy ("default key policy": the account root may use and
 * manage the key, so IAM policies decide). Also given to keys migrated from state files that had no policies.
 */
export function buildDefaultKeyPolicy(accountId: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }],
    },
    null,
    2,
  );
}
