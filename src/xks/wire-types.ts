/** XKS wire shapes (spec A3-A7), field names verbatim. Byte fields are decoded; responses carry base64 strings. */

/** spec A3: the audit/authorization context of every request. Unknown fields are ignored. */
export interface RequestMetadata {
  readonly awsPrincipalArn?: string;
  readonly awsSourceVpc?: string;
  readonly awsSourceVpce?: string;
  readonly kmsKeyArn?: string;
  readonly kmsOperation: string;
  readonly kmsRequestId: string;
  readonly kmsViaService?: string;
}

export interface GetHealthStatusRequest {
  readonly requestMetadata: RequestMetadata;
}

export interface GetKeyMetadataRequest {
  readonly requestMetadata: RequestMetadata;
}

export interface GetKeyMetadataResponse {
  readonly keySpec: 'AES_256';
  readonly keyUsage: readonly string[];
  readonly keyStatus: 'ENABLED' | 'DISABLED';
}

export interface EncryptRequest {
  readonly requestMetadata: RequestMetadata;
  readonly plaintext: Uint8Array;
  readonly encryptionAlgorithm: 'AES_GCM';
  readonly additionalAuthenticatedData?: Uint8Array;
  readonly ciphertextDataIntegrityValueAlgorithm?: 'SHA_256';
}

export interface EncryptResponse {
  readonly ciphertext: string;
  readonly ciphertextMetadata?: string;
  readonly initializationVector: string;
  readonly authenticationTag: string;
  readonly ciphertextDataIntegrityValue?: string;
}

export interface DecryptRequest {
  readonly requestMetadata: RequestMetadata;
  readonly ciphertext: Uint8Array;
  readonly ciphertextMetadata?: Uint8Array;
  readonly encryptionAlgorithm: 'AES_GCM';
  readonly additionalAuthenticatedData?: Uint8Array;
  readonly initializationVector: Uint8Array;
  readonly authenticationTag: Uint8Array;
}

export interface DecryptResponse {
  readonly plaintext: string;
}

export const EKM_HEALTH_STATUSES = ['ACTIVE', 'DEGRADED', 'UNAVAILABLE'] as const;
export type EkmHealthStatus = (typeof EKM_HEALTH_STATUSES)[number];

export interface GetHealthStatusResponse {
  readonly xksProxyFleetSize: number;
  readonly xksProxyVendor: string;
  readonly xksProxyModel: string;
  readonly ekmVendor: string;
  readonly ekmFleetDetails: readonly { readonly id: string; readonly model: string; readonly healthStatus: EkmHealthStatus }[];
}

export type XksOperation = 'GetHealthStatus' | 'GetKeyMetadata' | 'Encrypt' | 'Decrypt';
