import type { KeyStoreConfig } from '../proxy/config/load-config.js';
import type { XksKey } from '../proxy/keystore/key-store.js';
import { XKS_API_BASE } from '../xks/limits.js';

export interface BannerInput {
  readonly url: string;
  readonly configSource: string;
  readonly store: KeyStoreConfig;
  readonly keys: readonly XksKey[];
  /** The process to signal (kill -HUP reloads): printed so nobody signals npm's or npx's pid instead. */
  readonly pid?: number;
  /** Where the secret lives, for the curl example (dev default). */
  readonly secretPath?: string;
  /** Shown only on the start that generated it. */
  readonly newSecret?: string;
  /**
   * With listen.tls: the CA curl must trust (`xks dev-cert` puts ca.pem next to the server certificate). Absent
   * with TLS on: the banner asks for the CA bundle that signed the certificate.
   */
  readonly caFile?: string;
}

/** curl's trust option for an https URL: without it, curl refuses a development CA (`unable to get local issuer`). */
function cacert(input: BannerInput): string {
  if (!input.url.startsWith('https:')) return '';
  return ` --cacert ${input.caFile ?? '<the CA bundle that signed listen.tls.certFile>'}`;
}

/** The text `xks serve` prints for a newcomer: where to point KMS, how to call it, what to paste in the console. */
export function buildServeBanner(input: BannerInput): string {
  const { store, url } = input;
  const credential = store.credentials[0];
  const region = store.regions[0] ?? 'us-east-1';
  const akid = credential?.accessKeyId ?? '';
  const secretExpr = input.secretPath === undefined ? '<SECRET>' : `$(cat ${input.secretPath})`;
  const body = JSON.stringify({ requestMetadata: { kmsRequestId: 'demo-1', kmsOperation: 'KmsHealthCheck' } });
  const lines = [
    `xks-proxy listening on ${url}  (${input.pid === undefined ? '' : `pid ${input.pid}; `}configuration: ${input.configSource})`,
    '',
    `Key store "${store.name}"`,
    `  XksProxyUriPath     ${store.uriPath}`,
    `  access key id       ${akid}`,
    input.newSecret !== undefined
      ? `  secret access key   ${input.newSecret}   (shown this once${input.secretPath === undefined ? '' : `; stored in ${input.secretPath}`})`
      : `  secret access key   ${input.secretPath === undefined ? '(in the configuration)' : `in ${input.secretPath}`}`,
    `  region              ${store.regions.join(', ')}`,
    `  keys                ${input.keys.map((k) => `${k.externalKeyId} [${k.keyUsage.join(',') || 'no usage'}${k.keyStatus === 'DISABLED' ? ', DISABLED' : ''}]`).join('  ') || '(none)'}`,
    '',
    'Try it (GetHealthStatus, signed by curl):',
    `  curl -sS${cacert(input)} --aws-sigv4 "aws:amz:${region}:kms-xks-proxy" --user "${akid}:${secretExpr}" \\`,
    `    -H 'Content-Type: application/json' -d '${body}' \\`,
    `    ${url}${store.uriPrefix}${XKS_API_BASE}/health`,
    '',
  ];
  if (input.newSecret !== undefined) {
    const consoleJson = {
      XksProxyUriPath: store.uriPath,
      XksProxyAuthenticationCredential: { AccessKeyId: akid, RawSecretAccessKey: input.newSecret },
    };
    lines.push('KMS console proxy configuration file (spec A18), shown this once:', `  ${JSON.stringify(consoleJson)}`, '');
  }
  return lines.join('\n');
}
