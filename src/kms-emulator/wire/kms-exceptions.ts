/**
 * The KMS exception catalogue (spec B8, plus the generic awsJson1_1 errors the real service returns).
 * One class per shape name, each with its HTTP status; the wire body is built in one place (toKmsWireBody).
 * `detail` is for the emulator's log only and never reaches the client.
 */

/** spec B8: exception shape -> HTTP status. Kept honest against the SDK's model by test/kms/kms-exceptions.test.ts. */
export const KMS_EXCEPTION_STATUS = Object.freeze({
  CustomKeyStoreNotFoundException: 400,
  CustomKeyStoreInvalidStateException: 400,
  CustomKeyStoreNameInUseException: 400,
  CustomKeyStoreHasCMKsException: 400,
  XksProxyUriInUseException: 400,
  XksProxyUriEndpointInUseException: 400,
  XksProxyVpcEndpointServiceInUseException: 400,
  XksProxyVpcEndpointServiceNotFoundException: 400,
  XksProxyVpcEndpointServiceInvalidConfigurationException: 400,
  XksProxyIncorrectAuthenticationCredentialException: 400,
  XksProxyInvalidConfigurationException: 400,
  XksProxyInvalidResponseException: 400,
  XksProxyUriUnreachableException: 400,
  XksKeyAlreadyInUseException: 400,
  XksKeyNotFoundException: 400,
  XksKeyInvalidConfigurationException: 400,
  UnsupportedOperationException: 400,
  LimitExceededException: 400,
  InvalidMarkerException: 400,
  KMSInvalidStateException: 409,
  DisabledException: 409,
  NotFoundException: 404,
  KMSInternalException: 500,
  KeyUnavailableException: 500,
  DependencyTimeoutException: 503,
  // Not in B8 but returned by the real service for these cases (API model / awsJson1_1 common errors).
  ValidationException: 400,
  InvalidCiphertextException: 400,
  IncorrectKeyException: 400,
  InvalidArnException: 400,
  InvalidKeyUsageException: 400,
  UnknownOperationException: 400,
  SerializationException: 400,
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 400,
  InvalidSignatureException: 400,
  UnrecognizedClientException: 400,
  // Aliases, policies, tags, grants, DryRun (API model shapes).
  AlreadyExistsException: 409,
  InvalidAliasNameException: 400,
  MalformedPolicyDocumentException: 400,
  TagException: 400,
  InvalidGrantIdException: 400,
  InvalidGrantTokenException: 400,
  DryRunOperationException: 412,
  /** awsJson1_1 common error: the emulator sends it when it, not the proxy, is the bottleneck (SDKs retry it). */
  ThrottlingException: 400,
  /** awsJson1_1 common error: the emulator sends it for a Host header that is not this host's (DNS rebinding). */
  AccessDeniedException: 400,
} as const);

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
