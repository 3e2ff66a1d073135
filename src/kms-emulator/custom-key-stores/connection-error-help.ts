/**
 * What each ConnectionErrorCode of an external key store means, its likely causes and the fix (spec B6), as data:
 * the one source of the KMS console's FAILED tooltip and of the table in docs/troubleshooting.md (a test keeps the
 * docs equal to this module). The causes name what this project's emulator and proxy do, so a learner can map the
 * code to the proxy's answer (`xks explain` then names the check that refused).
 */
import type { ConnectionErrorCode } from '../store/records.js';

export interface ConnectionErrorHelp {
  /** One sentence: what KMS is telling you. */
  readonly meaning: string;
  /** The most likely causes, most likely first. */
  readonly causes: readonly string[];
  /** What to do, in order. Always ends with reconnecting: a FAILED store must be disconnected first (spec B5). */
  readonly fixes: readonly string[];
}

const RECONNECT = 'Disconnect the key store (a FAILED store cannot be connected again directly), then Connect.';

export const CONNECTION_ERROR_HELP: Readonly<Record<ConnectionErrorCode, ConnectionErrorHelp>> = Object.freeze({
  INVALID_CREDENTIALS: {
    meaning: 'The proxy refused the key store\'s credential: its GetHealthStatus answer was 401 AuthenticationFailedException.',
    causes: [
      'The secret access key of the key store differs from the one configured at the proxy (signature mismatch).',
      'The access key id is not configured for this URI path prefix at the proxy.',
      'The clocks of KMS and the proxy are more than 5 minutes apart.',
      'The KMS Region that signs is not one of the key store\'s `keyStores[].regions` at the proxy (the dev default accepts us-east-1 only): the proxy log says `sigv4 wrong-scope`, and its errorMessage names the region.',
    ],
    fixes: [
      'Run `xks explain <kmsRequestId>` (or open the call in the console) to see which SigV4 check refused.',
      'Update the key store credential to the proxy\'s (UpdateCustomKeyStore while DISCONNECTED), or fix the proxy configuration.',
      'A wrong Region: add the KMS Region to `keyStores[].regions` in the proxy configuration (it reloads by itself).',
      RECONNECT,
    ],
  },
  XKS_PROXY_ACCESS_DENIED: {
    meaning: 'The proxy\'s authorization refused KMS: its answer was 403 AccessDeniedException.',
    causes: ['The proxy\'s secondary authorization policy denies this caller or operation (health should be exempt).'],
    fixes: ['Run `xks explain <kmsRequestId>` to see the deciding rule, and correct the policy.', RECONNECT],
  },
  XKS_PROXY_INVALID_CONFIGURATION: {
    meaning: 'The proxy does not serve the key store\'s URI path: its answer was 404 InvalidUriPathException.',
    causes: ['XksProxyUriPath does not match a uriPrefix + /kms/xks/v1 of the proxy configuration.', 'A typo or a missing prefix in the path.'],
    fixes: ['Compare XksProxyUriPath with `xks config export` of the proxy; update the path while DISCONNECTED.', RECONNECT],
  },
  XKS_PROXY_INVALID_RESPONSE: {
    meaning: 'KMS could not interpret the proxy\'s answer (bad JSON or fields, or an unexpected error such as 400 or 500).',
    causes: [
      'The endpoint is not an XKS proxy, or a load balancer answered instead of the proxy.',
      'The proxy answered an error KMS does not expect at Connect (ValidationException, InternalException).',
      'Health fields out of range: xksProxyFleetSize not above 0, 0 or more than 10 ekmFleetDetails, an unknown healthStatus.',
    ],
    fixes: ['Check the proxy log line with the same kmsRequestId, or `xks explain <kmsRequestId>`.', RECONNECT],
  },
  XKS_PROXY_INVALID_TLS_CONFIGURATION: {
    meaning: 'KMS could not establish TLS with the proxy.',
    causes: [
      'The certificate is expired, names another host, or does not chain to a trusted CA.',
      'The proxy offers neither TLS 1.2 nor TLS 1.3, or mTLS refused KMS\'s client certificate.',
      'The endpoint is http:// where https:// is required.',
    ],
    fixes: ['Check the certificate (`openssl s_client -connect host:443 -servername host`); trust the test CA with `xks kms --ca-file`.', RECONNECT],
  },
  XKS_PROXY_NOT_REACHABLE: {
    meaning: 'KMS could not communicate with the proxy, or the proxy reports every key manager UNAVAILABLE.',
    causes: ['The proxy is not running, or listens on another host or port.', 'A firewall drops the connection.', 'The proxy\'s deep health check reports all external key managers UNAVAILABLE.'],
    fixes: ['Start the proxy and check `curl <endpoint>/ping`; `xks status` shows the health check.', RECONNECT],
  },
  XKS_PROXY_TIMED_OUT: {
    meaning: 'The proxy did not answer within the time KMS allows (250 ms per call), or answered 429/503.',
    causes: ['The proxy or its key manager is overloaded or slow.', 'Network latency between KMS and the proxy is too high.', 'The proxy throttled KMS (ThrottlingException).'],
    fixes: ['Check the latency column of the console\'s Proxy calls page; `xks status` shows the health check duration.', RECONNECT],
  },
  NETWORK_ERRORS: {
    meaning: 'A network problem prevented the connection (in this emulator: the endpoint host name does not resolve).',
    causes: ['The host name of XksProxyUriEndpoint has no DNS record.', 'A typo in the endpoint.'],
    fixes: ['Check the name with `getent hosts <host>`; in the emulator, map it with `xks kms --resolve HOST=ADDRESS`.', RECONNECT],
  },
  INTERNAL_ERROR: {
    meaning: 'KMS itself hit an internal error while connecting.',
    causes: ['A transient KMS fault (in this emulator: `--fault-connect-internal-error`).'],
    fixes: [RECONNECT],
  },
  XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND: {
    meaning: 'KMS cannot find the VPC endpoint service, or may not use it.',
    causes: ['A wrong XksProxyVpcEndpointServiceName or owner.', 'The KMS service principal (`cks.kms.REGION.amazonaws.com`) is not an allowed principal of the service.'],
    fixes: ['Check the service name and its allowed principals.', RECONNECT],
  },
  XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION: {
    meaning: 'The VPC endpoint service does not meet the requirements for an external key store.',
    causes: ['Acceptance required, fewer than two Availability Zones, or a private DNS name that is not verified or does not match the endpoint.'],
    fixes: ['Fix the endpoint service configuration (see the deployment guide).', RECONNECT],
  },
});

/** The help as plain text (the console tooltip and the docs table are built from the same fields). */
export function formatConnectionErrorHelp(code: ConnectionErrorCode): string {
  const h = CONNECTION_ERROR_HELP[code];
  return [`${code}: ${h.meaning}`, 'Likely causes:', ...h.causes.map((c) => `- ${c}`), 'Fix:', ...h.fixes.map((f) => `- ${f}`)].join('\n');
}

/** The Markdown table of docs/troubleshooting.md ("ConnectionErrorCode: meaning, causes, fixes"). */
export function buildConnectionErrorHelpTable(): string {
  const cell = (s: string): string => s.replaceAll('|', '\\|');
  const rows = Object.entries(CONNECTION_ERROR_HELP).map(
    ([code, h]) => `| \`${code}\` | ${cell(h.meaning)} | ${h.causes.map(cell).join('<br>')} | ${h.fixes.map(cell).join('<br>')} |`,
  );
  return ['| ConnectionErrorCode | Meaning | Likely causes | Fix |', '|---|---|---|---|', ...rows].join('\n');
}

/** Where the table sits in docs/troubleshooting.md (`npm run docs:connection-errors` rewrites it). */
export const CONNECTION_ERROR_HELP_MARKERS = ['<!-- connection-error-help:start -->', '<!-- connection-error-help:end -->'] as const;

export function replaceBetweenMarkers(text: string, [start, end]: readonly [string, string], content: string): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`markers ${start} ... ${end} not found`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}
