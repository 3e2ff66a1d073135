/**
 * The KMS exception catalogue (spec B8, plus the generic awsJson1_1 errors the real service returns).
 * One class per shape name, each with its HTTP status; the wire body is built in one place (toKmsWireBody).
 * `detail` is for the emulator's log only and never reaches the client.
 */

/**
 * Where the KMS API reference (the "HTTP Status Code" of each exception on every operation page) differs from the
 * `httpError` of the SDK's model (which carries the legacy awsQuery codes): the emulator answers what the reference
 * and the service answer. test/unit/kms-emulator/wire/kms-exception-status.test.ts checks that each entry still
 * differs from the model, so an SDK that fixes its model makes the override go.
 */
export const API_REFERENCE_OVERRIDES: Readonly<Record<string, number>> = Object.freeze({
  AlreadyExistsException: 400,
  DisabledException: 400,
  KMSInvalidStateException: 400,
  NotFoundException: 400,
  DependencyTimeoutException: 500,
});

/**
 * Exception shape -> HTTP status: every exception of the API model (SDK model `httpError`, or the API reference
 * where API_REFERENCE_OVERRIDES says so), then the awsJson1_1 common errors the service returns. Kept honest
 * against the SDK's model by test/unit/kms-emulator/wire/kms-exception-status.test.ts; docs/kms-emulator.md
 * carries it as a table (renderExceptionStatusTable).
 */
export const KMS_EXCEPTION_STATUS = Object.freeze({
  AlreadyExistsException: 400,
  CloudHsmClusterInUseException: 400,
  CloudHsmClusterInvalidConfigurationException: 400,
  CloudHsmClusterNotActiveException: 400,
  CloudHsmClusterNotFoundException: 400,
  CloudHsmClusterNotRelatedException: 400,
  ConflictException: 409,
  CustomKeyStoreHasCMKsException: 400,
  CustomKeyStoreInvalidStateException: 400,
  CustomKeyStoreNameInUseException: 400,
  CustomKeyStoreNotFoundException: 400,
  DependencyTimeoutException: 500,
  DisabledException: 400,
  DryRunOperationException: 412,
  ExpiredImportTokenException: 400,
  IncorrectKeyException: 400,
  IncorrectKeyMaterialException: 400,
  IncorrectTrustAnchorException: 400,
  InvalidAliasNameException: 400,
  InvalidArnException: 400,
  InvalidCiphertextException: 400,
  InvalidGrantIdException: 400,
  InvalidGrantTokenException: 400,
  InvalidImportTokenException: 400,
  InvalidKeyUsageException: 400,
  InvalidMarkerException: 400,
  KeyUnavailableException: 500,
  KMSInternalException: 500,
  KMSInvalidMacException: 400,
  KMSInvalidSignatureException: 400,
  KMSInvalidStateException: 400,
  LimitExceededException: 400,
  MalformedPolicyDocumentException: 400,
  NotFoundException: 400,
  TagException: 400,
  UnsupportedOperationException: 400,
  XksKeyAlreadyInUseException: 400,
  XksKeyInvalidConfigurationException: 400,
  XksKeyNotFoundException: 400,
  XksProxyIncorrectAuthenticationCredentialException: 400,
  XksProxyInvalidConfigurationException: 400,
  XksProxyInvalidResponseException: 400,
  XksProxyUriEndpointInUseException: 400,
  XksProxyUriInUseException: 400,
  XksProxyUriUnreachableException: 400,
  XksProxyVpcEndpointServiceInUseException: 400,
  XksProxyVpcEndpointServiceInvalidConfigurationException: 400,
  XksProxyVpcEndpointServiceNotFoundException: 400,
  // awsJson1_1 common errors (not in the API model; AWS's common-errors list and the service's answers).
  // AccessDeniedException: a policy or grant said no, or a Host header that is not this host's (DNS rebinding).
  AccessDeniedException: 400,
  ValidationException: 400,
  UnknownOperationException: 400,
  SerializationException: 400,
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 400,
  InvalidSignatureException: 400,
  UnrecognizedClientException: 400,
  /** The emulator sends it when it, not the proxy, is the bottleneck (SDKs retry it). */
  ThrottlingException: 400,
} as const);

/** The awsJson1_1 common errors of KMS_EXCEPTION_STATUS: not in the API model. */
export const COMMON_ERRORS: readonly string[] = Object.freeze([
  'AccessDeniedException',
  'ValidationException',
  'UnknownOperationException',
  'SerializationException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'InvalidSignatureException',
  'UnrecognizedClientException',
  'ThrottlingException',
]);

export type KmsExceptionName = keyof typeof KMS_EXCEPTION_STATUS;

export class KmsException extends Error {
  readonly type: KmsExceptionName;
  /** Why, for the log: may name internals; never sent to the client. */
  readonly detail: string | undefined;

  constructor(type: KmsExceptionName, message: string, options: { detail?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.type = type;
    this.name = type;
    this.detail = options.detail;
  }

  get httpStatus(): number {
    return KMS_EXCEPTION_STATUS[this.type];
  }
}

/** A factory per shape name, so call sites read like the spec: `kmsError.CustomKeyStoreNotFoundException('...')`. */
export const kmsError: Readonly<
  Record<KmsExceptionName, (message: string, options?: { detail?: string; cause?: unknown }) => KmsException>
> = Object.freeze(
  Object.fromEntries(
    (Object.keys(KMS_EXCEPTION_STATUS) as KmsExceptionName[]).map((name) => [
      name,
      (message: string, options?: { detail?: string; cause?: unknown }) => new KmsException(name, message, options),
    ]),
  ) as Record<KmsExceptionName, (message: string, options?: { detail?: string; cause?: unknown }) => KmsException>,
);

export interface KmsWireError {
  readonly __type: KmsExceptionName;
  readonly message: string;
}

/** spec B7: the only error shape on the wire. */
export function toKmsWireBody(error: KmsException): KmsWireError {
  return { __type: error.type, message: error.message };
}

/** Anything that is not a KmsException becomes KMSInternalException with a generic message (cause goes to the log). */
export function toKmsException(error: unknown): KmsException {
  if (error instanceof KmsException) return error;
  return new KmsException('KMSInternalException', 'The KMS emulator hit an internal error; see its log for this request id', {
    detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    cause: error,
  });
}
