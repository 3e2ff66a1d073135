/**
 * Troubleshooting guide as data: every ConnectionErrorCode of an external key store (spec B6) and every KMS
 * exception of spec B8 -> what it means, likely causes, how to confirm, how to fix. One source for
 * docs/troubleshooting.md (generated from it, checked by test/docs/troubleshooting.test.ts) and for any UI that
 * explains a failed store (the console). Which proxy outcomes produce a code is not repeated here: it comes from
 * OUTCOME_MAPPING (proxy-outcome-mapping.ts) when the page is rendered.
 */
import type { KmsExceptionName } from './kms-exceptions.js';
import type { ConnectionErrorCode } from './store/records.js';

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

const RECONNECT = 'then disconnect the store (`aws kms disconnect-custom-key-store`) and connect it again (a FAILED store must be disconnected before it can connect)';
const SIGNED_HEALTH = 'send the health request yourself: `curl --aws-sigv4 "aws:amz:<region>:kms-xks-proxy" --user "<AccessKeyId>:<secret>" -H \'Content-Type: application/json\' -d \'{"requestMetadata":{"kmsRequestId":"t1","kmsOperation":"KmsHealthCheck"}}\' https://<host><UriPath>/health`';

export const CONNECTION_ERROR_GUIDE: Readonly<Record<ConnectionErrorCode, TroubleshootingEntry>> = Object.freeze({
  INVALID_CREDENTIALS: {
    meaning: 'The proxy refused the key store\'s signature (401 AuthenticationFailedException): the credential KMS holds is not one the proxy accepts for this URI path.',
    causes: [
      'The access key id or the secret differ from the proxy key store\'s `credentials` (a typo, a rotated secret, a trailing newline pasted into the secret).',
      'The custom key store is in a Region the proxy key store does not list in `regions` (the SigV4 scope names the Region).',
      'The proxy\'s clock is more than 5 minutes off (spec A12).',
      'The `XksProxyUriPath` selects another proxy key store (another prefix) with other credentials.',
    ],
    confirm: [
      'The proxy log line: `"errorName":"AuthenticationFailedException"` with `reason` `sigv4 unknown-access-key-id`, `signature-mismatch`, `wrong-scope` or `clock-skew`.',
      'Compare `aws kms describe-custom-key-stores` (`XksProxyConfiguration.AccessKeyId`, `UriPath`) with `xks status` on the proxy.',
    ],
    fix: [
      `Put the proxy's credential in the store: \`aws kms update-custom-key-store --custom-key-store-id <id> --xks-proxy-authentication-credential AccessKeyId=<id>,RawSecretAccessKey=<secret>\` (\`xks config export\` writes both), ${RECONNECT}.`,
      'Or add the Region to the proxy key store\'s `regions`, or fix the clock (NTP); the proxy reloads its configuration without a restart.',
    ],
  },
  NETWORK_ERRORS: {
    meaning: 'A network problem kept KMS from reaching the proxy; the emulator reports it when the host name of `XksProxyUriEndpoint` does not resolve.',
    causes: ['A typo in the endpoint host name, or no DNS record for it.', 'For VPC connectivity: the private DNS name of the endpoint service is not verified.'],
    confirm: ['`getent hosts <host>` (or `dig +short <host>`) from where KMS resolves it; the emulator log\'s `cause` for the Connect.'],
    fix: [`Create the DNS record, or correct the endpoint with \`aws kms update-custom-key-store --xks-proxy-uri-endpoint https://<host>\` while the store is DISCONNECTED, ${RECONNECT}.`],
  },
  INTERNAL_ERROR: {
    meaning: 'KMS failed internally while connecting; nothing is known to be wrong with the proxy.',
    causes: ['A transient KMS fault. In the emulator, only `--fault-connect-internal-error` produces it.'],
    confirm: ['Other stores connect; a signed health request to the proxy answers 200.'],
    fix: ['Retry: disconnect the store (`aws kms disconnect-custom-key-store`) and connect it again.'],
  },
  XKS_PROXY_ACCESS_DENIED: {
    meaning: 'Something at the proxy URL answered 403 AccessDeniedException to the health check.',
    causes: [
      'This proxy never denies GetHealthStatus (it is exempt from secondary authorization, spec A14), so the 403 comes from something in front of it (a WAF, a load balancer rule) or from another proxy at that URL.',
    ],
    confirm: [SIGNED_HEALTH, 'If this proxy answered, its log has a line for the request; if not, the 403 came from in front of it.'],
    fix: [`Let GetHealthStatus through to the proxy, ${RECONNECT}.`],
  },
  XKS_PROXY_INVALID_CONFIGURATION: {
    meaning: 'The proxy does not know the URI path KMS calls (404 InvalidUriPathException): `XksProxyUriPath` names no key store on the proxy.',
    causes: [
      'The store\'s `XksProxyUriPath` does not equal `<uriPrefix>/kms/xks/v1` of any proxy key store (a prefix typo, a removed key store, `/kms/xks/v1` missing).',
      'A load balancer or reverse proxy rewrites the path.',
    ],
    confirm: ['The proxy log line `"errorName":"InvalidUriPathException"` with the path it received; `xks status` lists each key store\'s URI path.'],
    fix: [`\`aws kms update-custom-key-store --custom-key-store-id <id> --xks-proxy-uri-path <path>\`, or add the key store (\`uriPrefix\`) to the proxy configuration, ${RECONNECT}.`],
  },
  XKS_PROXY_INVALID_RESPONSE: {
    meaning: 'KMS could not interpret what the proxy answered to the health check.',
    causes: [
      'The proxy answered an error KMS does not expect from a health check (400 ValidationException, 500 InternalException, 501).',
      'The answer is not the GetHealthStatus JSON: a web page or a load balancer\'s error page at that URL, a missing field, `xksProxyFleetSize` <= 0, 0 or more than 10 `ekmFleetDetails`, an unknown `healthStatus` (spec A7).',
    ],
    confirm: [SIGNED_HEALTH, 'and read the body; the emulator log\'s `cause` gives the status and what was wrong.'],
    fix: [`Point the endpoint at the proxy itself (not at a page in front of it), or fix the proxy\'s health answer, ${RECONNECT}.`],
  },
  XKS_PROXY_INVALID_TLS_CONFIGURATION: {
    meaning: 'The TLS handshake with the proxy failed, so no request was sent.',
    causes: [
      'The server certificate does not chain to a CA KMS trusts (a private or development CA; for the emulator, one not given with `--ca-file`).',
      'The certificate has expired, or does not name the endpoint host (spec A12).',
      'TLS older than 1.2, or none of the spec\'s cipher suites (spec A1).',
      'mTLS is on and the proxy refuses the client certificate (KMS presents `cks.kms.<region>.amazonaws.com`, spec A13).',
      'Emulator only: an `http://` endpoint without `--allow-http-loopback` (or `--with-proxy`).',
    ],
    confirm: [
      '`openssl s_client -connect <host>:443 -servername <host> -verify_return_error </dev/null` shows the chain, dates and verification result.',
      'The proxy log: `mTLS client certificate refused; connection closed` or `mTLS client subject not allowed` name the reason.',
    ],
    fix: [
      'Use a certificate from a public CA for the endpoint host name (docs/deploy-for-kms.md); renew before expiry; in the emulator, `xks dev-cert` and `xks kms --ca-file keys/dev/tls/ca.pem`.',
      `For mTLS, put Amazon's root CAs in \`clientAuth.caFile\` and \`cks.kms.*.amazonaws.com\` in \`allowedSubjects\`, ${RECONNECT}.`,
    ],
  },
  XKS_PROXY_NOT_REACHABLE: {
    meaning: 'KMS could not talk to the proxy at all, or the proxy says every key manager is UNAVAILABLE.',
    causes: [
      'The proxy is not running, or not on that host and port (KMS always uses 443), or a firewall, security group or unhealthy load-balancer target drops the connection.',
      'The proxy answered, but every `ekmFleetDetails` entry is UNAVAILABLE (spec A7). This proxy reports that when its deep health check fails: the key directory is missing or unreadable, the health-check key cannot be unwrapped (wrong passphrase or KEK), or no check completed in the last 60 s.',
    ],
    confirm: [
      '`curl -v https://<host>/ping` (the unauthenticated probe; with mTLS on it is reset without a client certificate).',
      `${SIGNED_HEALTH}: all entries \`UNAVAILABLE\` means the proxy is up but its key manager is not.`,
      '`xks status` on the proxy shows the health check, its reasons and last error.',
    ],
    fix: [`Start the proxy or open the path to it; or fix the key directory, its permissions or the key-encryption secret, ${RECONNECT}.`],
  },
  XKS_PROXY_TIMED_OUT: {
    meaning: 'The proxy did not answer completely within KMS\'s 250 ms per call (spec A16).',
    causes: [
      'The proxy or its host is overloaded, paused or swapping; the key manager is slow.',
      'The network path is long: spec A16 asks for at most 35 ms round trip between the KMS Region and the key manager.',
      'The emulator also reports this code when the proxy answers 429 ThrottlingException or 503 DependencyTimeoutException (a project choice, docs/decisions.md).',
    ],
    confirm: [
      '`curl -o /dev/null -w \'%{time_total}\\n\' https://<host>/ping` from the KMS Region; the proxy log\'s `durationMs` and `status` (429 = the key store\'s `quota`).',
    ],
    fix: [`Run the proxy near the Region, give it capacity, raise the key store's \`quota\` if 429s are the cause, ${RECONNECT}.`],
  },
  XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION: {
    meaning: 'The VPC endpoint service exists but does not meet the requirements for an external key store (spec B4).',
    causes: [
      'Its network load balancer is not in at least two subnets in different Availability Zones.',
      'It requires acceptance of endpoint connections.',
      'Its private DNS name is not verified, or is not the host of `XksProxyUriEndpoint`.',
    ],
    confirm: ['`aws ec2 describe-vpc-endpoint-service-configurations --service-ids <id>` (AcceptanceRequired, PrivateDnsNameConfiguration.State, the NLB\'s subnets); emulator: the service\'s `problems` in the `--vpc-endpoint-services` file.'],
    fix: [`Fix the endpoint service, ${RECONNECT}.`],
  },
  XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND: {
    meaning: 'KMS cannot find or use the VPC endpoint service named in the key store.',
    causes: [
      'A wrong `XksProxyVpcEndpointServiceName`, or a service in another Region, or in another account without `XksProxyVpcEndpointServiceOwner`.',
      'The KMS service principal `cks.kms.<region>.amazonaws.com` is not an allowed principal of the service.',
    ],
    confirm: ['`aws ec2 describe-vpc-endpoint-service-permissions --service-id <id>` lists the allowed principals; compare the name with `describe-custom-key-stores`.'],
    fix: [`Allow \`cks.kms.<region>.amazonaws.com\`, or correct the service name or owner with \`update-custom-key-store\` while DISCONNECTED, ${RECONNECT}.`],
  },
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
