/**
 * Troubleshooting guide as data, with connection-error-help.ts: for every ConnectionErrorCode of an external key
 * store (spec B6) how to confirm the cause, and for every KMS exception of spec B8 what it means, likely causes,
 * how to confirm, how to fix. One source for docs/troubleshooting.md (generated, checked by
 * test/docs/troubleshooting.test.ts) and for any UI that explains a failure. Which proxy outcomes produce a code
 * is not repeated here: it comes from OUTCOME_MAPPING (proxy-outcome-mapping.ts) when the page is rendered.
 */
import type { KmsExceptionName } from '../wire/kms-exceptions.js';
import type { ConnectionErrorCode } from '../store/records.js';

export interface TroubleshootingEntry {
  /** One sentence: what KMS is telling you. */
  readonly meaning: string;
  readonly causes: readonly string[];
  /** Commands or log lines that tell the causes apart. */
  readonly confirm: readonly string[];
  readonly fix: readonly string[];
  /** For an exception with the same causes as a ConnectionErrorCode: read that entry too. */
  readonly seeAlso?: ConnectionErrorCode;
}

const SIGNED_HEALTH = 'send the health request yourself: `curl --aws-sigv4 "aws:amz:<region>:kms-xks-proxy" --user "<AccessKeyId>:<secret>" -H \'Content-Type: application/json\' -d \'{"requestMetadata":{"kmsRequestId":"t1","kmsOperation":"KmsHealthCheck"}}\' https://<host><UriPath>/health`';

/**
 * How to confirm each ConnectionErrorCode: the commands and log lines that tell its causes apart. What a code
 * means, its causes and its fix are in connection-error-help.ts (the console's source too); this adds the step
 * between them, so the two together are the guide of docs/troubleshooting.md.
 */
export const CONNECTION_ERROR_CONFIRM: Readonly<Record<ConnectionErrorCode, readonly string[]>> = Object.freeze({
  INVALID_CREDENTIALS: [
      'The proxy log line: `"errorName":"AuthenticationFailedException"` with `reason` `sigv4 unknown-access-key-id`, `signature-mismatch`, `wrong-scope` or `clock-skew`.',
      'Compare `aws kms describe-custom-key-stores` (`XksProxyConfiguration.AccessKeyId`, `UriPath`) with `xks status` on the proxy.',
    ],
  NETWORK_ERRORS: ['`getent hosts <host>` (or `dig +short <host>`) from where KMS resolves it; the emulator log\'s `cause` for the Connect.'],
  INTERNAL_ERROR: ['Other stores connect; a signed health request to the proxy answers 200.'],
  XKS_PROXY_ACCESS_DENIED: [SIGNED_HEALTH, 'If this proxy answered, its log has a line for the request; if not, the 403 came from in front of it.'],
  XKS_PROXY_INVALID_CONFIGURATION: ['The proxy log line `"errorName":"InvalidUriPathException"` with the path it received; `xks status` lists each key store\'s URI path.'],
  XKS_PROXY_INVALID_RESPONSE: [SIGNED_HEALTH, 'and read the body; the emulator log\'s `cause` gives the status and what was wrong.'],
  XKS_PROXY_INVALID_TLS_CONFIGURATION: [
      '`openssl s_client -connect <host>:443 -servername <host> -verify_return_error </dev/null` shows the chain, dates and verification result.',
      'The proxy log: `mTLS client certificate refused; connection closed` or `mTLS client subject not allowed` name the reason.',
    ],
  XKS_PROXY_NOT_REACHABLE: [
      '`curl -v https://<host>/ping` (the unauthenticated probe; with mTLS on it is reset without a client certificate).',
      `${SIGNED_HEALTH}: all entries \`UNAVAILABLE\` means the proxy is up but its key manager is not.`,
      '`xks status` on the proxy shows the health check, its reasons and last error.',
    ],
  XKS_PROXY_TIMED_OUT: [
      '`curl -o /dev/null -w \'%{time_total}\\n\' https://<host>/ping` from the KMS Region; the proxy log\'s `durationMs` and `status` (429 = the key store\'s `quota`).',
    ],
  XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION: ['`aws ec2 describe-vpc-endpoint-service-configurations --service-ids <id>` (AcceptanceRequired, PrivateDnsNameConfiguration.State, the NLB\'s subnets); emulator: the service\'s `problems` in the `--vpc-endpoint-services` file.'],
  XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND: ['`aws ec2 describe-vpc-endpoint-service-permissions --service-id <id>` lists the allowed principals; compare the name with `describe-custom-key-stores`.'],
});

/** spec B8's exceptions, as the AWS CLI prints them (`An error occurred (<name>) when calling ...`). */
export type GuidedKmsException = Extract<
  KmsExceptionName,
  | 'CustomKeyStoreNotFoundException'
  | 'CustomKeyStoreInvalidStateException'
  | 'CustomKeyStoreNameInUseException'
  | 'CustomKeyStoreHasCMKsException'
  | 'XksProxyUriInUseException'
  | 'XksProxyUriEndpointInUseException'
  | 'XksProxyVpcEndpointServiceInUseException'
  | 'XksProxyVpcEndpointServiceNotFoundException'
  | 'XksProxyVpcEndpointServiceInvalidConfigurationException'
  | 'XksProxyIncorrectAuthenticationCredentialException'
  | 'XksProxyInvalidConfigurationException'
  | 'XksProxyInvalidResponseException'
  | 'XksProxyUriUnreachableException'
  | 'XksKeyAlreadyInUseException'
  | 'XksKeyNotFoundException'
  | 'XksKeyInvalidConfigurationException'
  | 'UnsupportedOperationException'
  | 'LimitExceededException'
  | 'InvalidMarkerException'
  | 'KMSInvalidStateException'
  | 'DisabledException'
  | 'NotFoundException'
  | 'KMSInternalException'
  | 'KeyUnavailableException'
  | 'DependencyTimeoutException'
>;

export { KMS_EXCEPTION_GUIDE } from './troubleshooting-exceptions.js';
