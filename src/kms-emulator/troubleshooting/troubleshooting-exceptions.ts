/** The KMS exception half of the troubleshooting guide (troubleshooting.ts has the ConnectionErrorCode half). */
import type { GuidedKmsException, TroubleshootingEntry } from './troubleshooting.js';

const DESCRIBE = '`aws kms describe-custom-key-stores --custom-key-store-id <id>` shows `ConnectionState`, `ConnectionErrorCode` and `XksProxyConfiguration`';
const PROXY_LOG = 'the proxy log line with the same `kmsRequestId` says which check refused the call (`errorName`, `reason`)';

export const KMS_EXCEPTION_GUIDE: Readonly<Record<GuidedKmsException, TroubleshootingEntry>> = Object.freeze({
  CustomKeyStoreNotFoundException: {
    meaning: 'No custom key store has that id or name in this account and Region.',
    causes: ['A typo; another Region (`--region`, `AWS_DEFAULT_REGION`); another account; with the emulator, another `--state` file or `:memory:` after a restart.'],
    confirm: ['`aws kms describe-custom-key-stores` lists every store of the account and Region.'],
    fix: ['Use an id from that list, or create the store.'],
  },
  CustomKeyStoreInvalidStateException: {
    meaning: 'The operation is not allowed in the store\'s current `ConnectionState` (spec B5), or (CreateKey) the proxy\'s answer made the key store unusable.',
    causes: [
      'CreateKey while the store is not CONNECTED; Connect while FAILED or DISCONNECTING; Delete or an endpoint change while not DISCONNECTED.',
      'CreateKey: the proxy refused GetKeyMetadata for a reason that concerns the store (authentication, URI path, throttling, timeout, an unreadable answer): the message names it.',
    ],
    confirm: [DESCRIBE, PROXY_LOG],
    fix: ['Connect the store (and wait for CONNECTED) before CreateKey; disconnect a FAILED store before connecting it again; for a proxy refusal, fix what the message names (see the ConnectionErrorCode sections above).'],
  },
  CustomKeyStoreNameInUseException: {
    meaning: 'Another custom key store of the account and Region already has that name.',
    causes: ['Running the same create twice (the first one worked).'],
    confirm: ['`aws kms describe-custom-key-stores --custom-key-store-name <name>`.'],
    fix: ['Use the existing store, choose another name, or delete the old store.'],
  },
  CustomKeyStoreHasCMKsException: {
    meaning: 'The store still has KMS keys, so it cannot be deleted.',
    causes: ['Keys created in the store, including keys pending deletion.'],
    confirm: ['`aws kms list-keys` then `describe-key` on each: `CustomKeyStoreId`.'],
    fix: ['Schedule deletion of its keys (`aws kms schedule-key-deletion`), wait for it, then delete the store. Deleting keys makes their ciphertext undecryptable.'],
  },
  XksProxyUriInUseException: {
    meaning: 'Another store of the account and Region already uses this endpoint and URI path.',
    causes: ['Two stores pointed at the same proxy key store.'],
    confirm: ['Compare `UriEndpoint` and `UriPath` in `describe-custom-key-stores`.'],
    fix: ['Give each store its own proxy key store: a distinct `uriPrefix` on the proxy, hence a distinct `XksProxyUriPath`.'],
  },
  XksProxyUriEndpointInUseException: {
    meaning: 'The endpoint is taken: a VPC store uses it (any account), or another VPC store has the same private DNS name.',
    causes: ['Reusing a VPC store\'s endpoint for a public store, or two VPC stores with one private DNS name.'],
    confirm: [DESCRIBE],
    fix: ['Use another host name for this store.'],
  },
  XksProxyVpcEndpointServiceInUseException: {
    meaning: 'Another store already uses this VPC endpoint service.',
    causes: ['One endpoint service for two VPC stores.'],
    confirm: [DESCRIBE],
    fix: ['Create a second endpoint service, or use the existing store.'],
  },
  XksProxyVpcEndpointServiceNotFoundException: {
    meaning: 'Create/Update could not find or use the VPC endpoint service.',
    causes: ['The same causes as the ConnectionErrorCode XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND.'],
    confirm: ['See that section.'],
    fix: ['See that section.'],
    seeAlso: 'XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND',
  },
  XksProxyVpcEndpointServiceInvalidConfigurationException: {
    meaning: 'Create/Update found the VPC endpoint service, but it does not meet the requirements.',
    causes: ['The same causes as XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION.'],
    confirm: ['See that section.'],
    fix: ['See that section.'],
    seeAlso: 'XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION',
  },
  XksProxyIncorrectAuthenticationCredentialException: {
    meaning: 'Create/Update probed the proxy and it refused the credential (401).',
    causes: ['The same causes as INVALID_CREDENTIALS.'],
    confirm: ['See that section; the proxy log line says which SigV4 check failed.'],
    fix: ['Pass the proxy\'s credential (`xks config export` writes it) and retry the create or update.'],
    seeAlso: 'INVALID_CREDENTIALS',
  },
  XksProxyInvalidConfigurationException: {
    meaning: 'Create/Update probed the proxy and the URI path is wrong (404), or (this emulator, following the AWS guide) the TLS handshake failed.',
    causes: ['The causes of XKS_PROXY_INVALID_CONFIGURATION and of XKS_PROXY_INVALID_TLS_CONFIGURATION.'],
    confirm: ['The message says which; see those sections.'],
    fix: ['See those sections, then retry the create or update.'],
    seeAlso: 'XKS_PROXY_INVALID_CONFIGURATION',
  },
  XksProxyInvalidResponseException: {
    meaning: 'Create/Update probed the proxy and could not interpret its answer.',
    causes: ['The same causes as XKS_PROXY_INVALID_RESPONSE.'],
    confirm: ['See that section.'],
    fix: ['See that section, then retry.'],
    seeAlso: 'XKS_PROXY_INVALID_RESPONSE',
  },
  XksProxyUriUnreachableException: {
    meaning: 'Create/Update could not get a usable health answer in time: no connection, no answer within 250 ms, throttled, or every key manager UNAVAILABLE.',
    causes: ['The causes of XKS_PROXY_NOT_REACHABLE, NETWORK_ERRORS and XKS_PROXY_TIMED_OUT.'],
    confirm: ['The message says which; see those sections.'],
    fix: ['Start or reach the proxy, then retry the create or update.'],
    seeAlso: 'XKS_PROXY_NOT_REACHABLE',
  },
  XksKeyAlreadyInUseException: {
    meaning: 'A KMS key in this custom key store already uses that `XksKeyId` (spec B10).',
    causes: ['Creating a second KMS key for the same external key in the same store.'],
    confirm: ['The message names the store; `aws kms describe-key` of its keys shows `XksKeyConfiguration.Id`.'],
    fix: ['Use the existing KMS key, or another external key (`xks keys create <id>` on the proxy).'],
  },
  XksKeyNotFoundException: {
    meaning: 'The proxy answered GetKeyMetadata with 404 KeyNotFoundException: it has no key with that id in this key store.',
    causes: ['A typo in `--xks-key-id`; the key lives in another proxy key store (another URI path); the key file is missing or failed to load.'],
    confirm: ['`xks keys list` (with `--store` if the proxy has several) on the proxy; `xks status` lists key files that failed to load.'],
    fix: ['Create or import the key on the proxy (`xks keys create <id>`), or use an id the proxy lists; the proxy sees new key files without a restart.'],
  },
  XksKeyInvalidConfigurationException: {
    meaning: 'The external key exists but cannot back a KMS key: not AES_256, not ENABLED, or its usage lacks ENCRYPT or DECRYPT (spec A4, B10).',
    causes: ['The key is disabled (`xks keys disable`, or `keys.<id>.keyStatus` in the configuration); its usage is ENCRYPT-only or DECRYPT-only.'],
    confirm: ['The message names the attribute and the value the proxy reported; `xks keys show <id>`.'],
    fix: ['`xks keys enable <id>` / `xks keys set-usage <id> ENCRYPT,DECRYPT` (or remove the configuration override), then create the key again.'],
  },
  UnsupportedOperationException: {
    meaning: 'The operation is not supported for this key or store; for CreateKey in the emulator, the proxy answered 501.',
    causes: ['A key spec or usage external key stores do not support (only SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT, not multi-Region); a proxy without the API.'],
    confirm: ['The message names the operation; ' + PROXY_LOG + '.'],
    fix: ['Create symmetric encryption keys only (the defaults); use a proxy that implements the four XKS APIs.'],
  },
  LimitExceededException: {
    meaning: 'A quota is reached: at most 10 custom key stores per account and Region (spec B3).',
    causes: ['Old stores that are no longer used.'],
    confirm: ['`aws kms describe-custom-key-stores` counts them.'],
    fix: ['Delete unused stores (disconnect, delete their keys, delete), or ask AWS for a higher quota.'],
  },
  InvalidMarkerException: {
    meaning: 'The `--marker` of a paged Describe is not one KMS returned.',
    causes: ['A marker from another listing, edited, or from before the store it pointed at was deleted.'],
    confirm: ['Run the Describe without `--marker`.'],
    fix: ['Start paging again without a marker (AWS CLI v2 pages by itself).'],
  },
  KMSInvalidStateException: {
    meaning: 'A cryptographic call failed because of the key store or the proxy: KMS reports every proxy refusal on Encrypt, Decrypt, GenerateDataKey* and ReEncrypt with this one exception (spec A11); the message says which.',
    causes: [
      'The store is not CONNECTED (keys are `Unavailable` while it is disconnected).',
      'The proxy refused the call: a wrong encryption context on Decrypt (InvalidCiphertextException at the proxy), a disabled external key, a key usage that lacks the operation, an authorization policy deny, throttling, a timeout.',
    ],
    confirm: [DESCRIBE, PROXY_LOG, 'The emulator logs the same request id with the proxy\'s answer as `cause`.'],
    fix: ['Connect the store; pass the same encryption context as at Encrypt; enable the key or fix its usage; adjust the authorization policy (the proxy log names the deciding rule).'],
  },
  DisabledException: {
    meaning: 'The KMS key is disabled in KMS (not in the proxy).',
    causes: ['`aws kms disable-key` was run on it.'],
    confirm: ['`aws kms describe-key --key-id <id> --query KeyMetadata.KeyState`.'],
    fix: ['`aws kms enable-key --key-id <id>`. The external key\'s own status is separate (`xks keys enable`).'],
  },
  NotFoundException: {
    meaning: 'No KMS key with that id or ARN in this account and Region.',
    causes: ['A typo, another Region, or a key of another emulator state file.'],
    confirm: ['`aws kms list-keys`.'],
    fix: ['Use an id from the list.'],
  },
  KMSInternalException: {
    meaning: 'KMS (or the emulator) failed internally.',
    causes: ['A KMS fault; in the emulator, a bug: its log has the cause under the request id.'],
    confirm: ['The emulator log line with the `x-amzn-RequestId` the CLI shows with `--debug`.'],
    fix: ['Retry; for the emulator, report the log line.'],
  },
  KeyUnavailableException: {
    meaning: 'The key material is temporarily unavailable to KMS.',
    causes: ['A transient KMS condition.'],
    confirm: ['Retrying succeeds after a while.'],
    fix: ['Retry with backoff.'],
  },
  DependencyTimeoutException: {
    meaning: 'A dependency of KMS did not answer in time.',
    causes: ['A transient KMS condition.'],
    confirm: ['Retrying succeeds after a while.'],
    fix: ['Retry with backoff.'],
  },
});
