/**
 * Pure tables: proxy outcome -> what KMS reports (spec A11 for exceptions, B6 for ConnectionErrorCode).
 * One row per outcome; every row names the ConnectionErrorCode (Connect), the exception of Create/Update-
 * CustomKeyStore, the exception of CreateKey, and the message. Crypto operations always throw
 * KMSInvalidStateException with the row's message (spec A11: "KMS can't add exceptions to existing APIs").
 * Rows marked UNCONFIRMED are choices documented in docs/decisions.md.
 */
import type { KmsExceptionName } from '../wire/kms-exceptions.js';
import type { ProxyFailure } from '../../xks-client/proxy-outcome.js';
import type { ConnectionErrorCode } from '../store/records.js';

export const OUTCOME_ROWS = [
  'ValidationException',
  'InvalidStateException',
  'InvalidCiphertextException',
  'InvalidKeyUsageException',
  'AuthenticationFailedException',
  'AccessDeniedException',
  'KeyNotFoundException',
  'InvalidUriPathException',
  'UnsupportedOperationException',
  'DependencyTimeoutException',
  'ThrottlingException',
  'InternalException',
  'dns-failure',
  'tcp-failure',
  'tls-failure',
  'insecure-transport',
  'timeout',
  'malformed-response',
  'all-unavailable',
  'vpc-endpoint-service-not-found',
  'vpc-endpoint-service-invalid',
  'cdiv-mismatch',
  'internal',
  'emulator-overloaded',
] as const;
export type OutcomeRow = (typeof OUTCOME_ROWS)[number];

export interface OutcomeMapping {
  readonly connectionErrorCode: ConnectionErrorCode;
  readonly createOrUpdateCustomKeyStore: KmsExceptionName;
  readonly createKey: KmsExceptionName;
  readonly message: string;
}

const CSISE = 'CustomKeyStoreInvalidStateException';

export const OUTCOME_MAPPING: Readonly<Record<OutcomeRow, OutcomeMapping>> = Object.freeze({
  ValidationException: { connectionErrorCode: 'XKS_PROXY_INVALID_RESPONSE', createOrUpdateCustomKeyStore: 'XksProxyInvalidResponseException', createKey: CSISE, message: 'KMS cannot interpret the response from the external key store proxy (ValidationException).' },
  // UNCONFIRMED for Create/Update: A11 does not list it.
  InvalidStateException: { connectionErrorCode: 'XKS_PROXY_INVALID_RESPONSE', createOrUpdateCustomKeyStore: 'XksProxyInvalidResponseException', createKey: 'XksKeyInvalidConfigurationException', message: 'The external key is not enabled in the external key manager (InvalidStateException).' },
  InvalidCiphertextException: { connectionErrorCode: 'XKS_PROXY_INVALID_RESPONSE', createOrUpdateCustomKeyStore: 'XksProxyInvalidResponseException', createKey: CSISE, message: 'The external key store proxy rejected the ciphertext or the encryption context (InvalidCiphertextException).' },
  InvalidKeyUsageException: { connectionErrorCode: 'XKS_PROXY_INVALID_RESPONSE', createOrUpdateCustomKeyStore: 'XksProxyInvalidResponseException', createKey: 'XksKeyInvalidConfigurationException', message: 'The external key does not support the requested operation (InvalidKeyUsageException).' },
  AuthenticationFailedException: { connectionErrorCode: 'INVALID_CREDENTIALS', createOrUpdateCustomKeyStore: 'XksProxyIncorrectAuthenticationCredentialException', createKey: CSISE, message: 'The external key store proxy could not authenticate KMS. Check the XksProxyAuthenticationCredential of the custom key store.' },
  // UNCONFIRMED: health is exempt from authorization (A7), so a 403 there is a misbehaving proxy; CreateKey follows DG (CSISE), not SPEC (KISE).
  AccessDeniedException: { connectionErrorCode: 'XKS_PROXY_ACCESS_DENIED', createOrUpdateCustomKeyStore: 'XksProxyInvalidResponseException', createKey: CSISE, message: 'The external key store proxy denied access. Check the authorization policy of the proxy for this user and key.' },
  KeyNotFoundException: { connectionErrorCode: 'XKS_PROXY_INVALID_CONFIGURATION', createOrUpdateCustomKeyStore: 'XksProxyInvalidConfigurationException', createKey: 'XksKeyNotFoundException', message: 'The external key store proxy did not find the external key (KeyNotFoundException).' },
  InvalidUriPathException: { connectionErrorCode: 'XKS_PROXY_INVALID_CONFIGURATION', createOrUpdateCustomKeyStore: 'XksProxyInvalidConfigurationException', createKey: CSISE, message: 'The external key store proxy rejected the URI path. Check the XksProxyUriPath of the custom key store.' },
  // UNCONFIRMED: CreateKey -> UnsupportedOperationException (in the API model) rather than XksKeyInvalidResponseException (not in it).
  UnsupportedOperationException: { connectionErrorCode: 'XKS_PROXY_INVALID_RESPONSE', createOrUpdateCustomKeyStore: 'XksProxyInvalidResponseException', createKey: 'UnsupportedOperationException', message: 'The external key store proxy does not support the operation (UnsupportedOperationException).' },
  // UNCONFIRMED: 429/503 at Connect -> XKS_PROXY_TIMED_OUT.
  DependencyTimeoutException: { connectionErrorCode: 'XKS_PROXY_TIMED_OUT', createOrUpdateCustomKeyStore: 'XksProxyUriUnreachableException', createKey: CSISE, message: 'The external key store proxy did not get an answer from its key manager in the time allotted (DependencyTimeoutException). Retry.' },
  ThrottlingException: { connectionErrorCode: 'XKS_PROXY_TIMED_OUT', createOrUpdateCustomKeyStore: 'XksProxyUriUnreachableException', createKey: CSISE, message: 'The request rate to the external key store proxy is too high (ThrottlingException). Slow down and retry.' },
  InternalException: { connectionErrorCode: 'XKS_PROXY_INVALID_RESPONSE', createOrUpdateCustomKeyStore: 'XksProxyInvalidResponseException', createKey: CSISE, message: 'The external key store proxy cannot reach its external key manager (InternalException). Retry.' },
  // UNCONFIRMED: DNS failure -> NETWORK_ERRORS (the boundary with NOT_REACHABLE is not documented).
  'dns-failure': { connectionErrorCode: 'NETWORK_ERRORS', createOrUpdateCustomKeyStore: 'XksProxyUriUnreachableException', createKey: CSISE, message: 'KMS cannot resolve the host name of the XksProxyUriEndpoint.' },
  'tcp-failure': { connectionErrorCode: 'XKS_PROXY_NOT_REACHABLE', createOrUpdateCustomKeyStore: 'XksProxyUriUnreachableException', createKey: CSISE, message: 'KMS cannot communicate with the external key store proxy. This might be a transient network issue.' },
  // UNCONFIRMED: Create/Update follows DG (XksProxyInvalidConfigurationException), not SPEC (XksProxyUriUnreachableException).
  'tls-failure': { connectionErrorCode: 'XKS_PROXY_INVALID_TLS_CONFIGURATION', createOrUpdateCustomKeyStore: 'XksProxyInvalidConfigurationException', createKey: CSISE, message: 'KMS cannot establish a TLS connection to the external key store proxy. Check its TLS configuration and certificate.' },
  'insecure-transport': { connectionErrorCode: 'XKS_PROXY_INVALID_TLS_CONFIGURATION', createOrUpdateCustomKeyStore: 'XksProxyInvalidConfigurationException', createKey: CSISE, message: 'The XksProxyUriEndpoint does not use https and plain http is not allowed for it.' },
  timeout: { connectionErrorCode: 'XKS_PROXY_TIMED_OUT', createOrUpdateCustomKeyStore: 'XksProxyUriUnreachableException', createKey: CSISE, message: 'The external key store proxy did not respond in the time allotted. Retry.' },
  'malformed-response': { connectionErrorCode: 'XKS_PROXY_INVALID_RESPONSE', createOrUpdateCustomKeyStore: 'XksProxyInvalidResponseException', createKey: CSISE, message: 'KMS cannot interpret the response from the external key store proxy.' },
  'all-unavailable': { connectionErrorCode: 'XKS_PROXY_NOT_REACHABLE', createOrUpdateCustomKeyStore: 'XksProxyUriUnreachableException', createKey: CSISE, message: 'The external key store proxy reports that all of its external key managers are UNAVAILABLE.' },
  'vpc-endpoint-service-not-found': { connectionErrorCode: 'XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND', createOrUpdateCustomKeyStore: 'XksProxyVpcEndpointServiceNotFoundException', createKey: CSISE, message: 'KMS cannot find the VPC endpoint service, or the KMS service principal is not an allowed principal of it.' },
  'vpc-endpoint-service-invalid': { connectionErrorCode: 'XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION', createOrUpdateCustomKeyStore: 'XksProxyVpcEndpointServiceInvalidConfigurationException', createKey: CSISE, message: 'The VPC endpoint service does not meet the requirements for an external key store.' },
  // UNCONFIRMED: the exception for a CDIV mismatch is not documented; crypto operations use KMSInvalidStateException like every other proxy fault.
  'cdiv-mismatch': { connectionErrorCode: 'XKS_PROXY_INVALID_RESPONSE', createOrUpdateCustomKeyStore: 'XksProxyInvalidResponseException', createKey: CSISE, message: 'The ciphertext data integrity value returned by the external key store proxy does not match its ciphertext.' },
  // The call never reached the proxy: the emulator's connection queue for it was full or too slow. Not the proxy's fault.
  'emulator-overloaded': { connectionErrorCode: 'INTERNAL_ERROR', createOrUpdateCustomKeyStore: 'KMSInternalException', createKey: 'KMSInternalException', message: 'The KMS emulator is overloaded: too many calls are waiting for a connection to this external key store proxy. The proxy was not called; slow down and retry.' },
  internal: { connectionErrorCode: 'INTERNAL_ERROR', createOrUpdateCustomKeyStore: 'KMSInternalException', createKey: 'KMSInternalException', message: 'KMS hit an internal error. Disconnect the custom key store, then retry.' },
});

/** Status fallback when an error answer carries no recognised errorName (spec A10 statuses). */
const STATUS_ROWS: Readonly<Record<number, OutcomeRow>> = Object.freeze({
  401: 'AuthenticationFailedException',
  403: 'AccessDeniedException',
  404: 'InvalidUriPathException',
  429: 'ThrottlingException',
  500: 'InternalException',
  501: 'UnsupportedOperationException',
  503: 'DependencyTimeoutException',
});

export function classifyFailure(f: ProxyFailure): OutcomeRow {
  switch (f.kind) {
    case 'transport':
      return f.phase === 'dns' ? 'dns-failure' : f.phase === 'tcp' ? 'tcp-failure' : f.phase === 'tls' ? 'tls-failure' : f.phase === 'timeout' ? 'timeout' : f.phase === 'emulator-queue' ? 'emulator-overloaded' : 'insecure-transport';
    case 'error-response':
      return f.errorName ?? STATUS_ROWS[f.status] ?? 'malformed-response';
    case 'malformed-response':
      return 'malformed-response';
    case 'all-unavailable':
      return 'all-unavailable';
    case 'vpc-endpoint-service-not-found':
      return 'vpc-endpoint-service-not-found';
    case 'vpc-endpoint-service-invalid':
      return 'vpc-endpoint-service-invalid';
    case 'cdiv-mismatch':
      return 'cdiv-mismatch';
    case 'internal':
      return 'internal';
  }
}

export function mapFailure(f: ProxyFailure): OutcomeMapping & { readonly row: OutcomeRow } {
  const row = classifyFailure(f);
  return { row, ...OUTCOME_MAPPING[row] };
}
