/**
 * The pure rules of external key stores (spec B2, B3, B9): member lengths and patterns, the Describe shape, the
 * uniqueness rules, the VPC endpoint-service checks (B4), the credential. No state, no I/O.
 */
import type { KmsEmulatorConfig } from '../context/kms-config.js';
import { kmsError, KmsException } from '../wire/kms-exceptions.js';
import type { ProxyFailure } from '../../xks-client/proxy-outcome.js';
import type { CustomKeyStoreRecord } from '../store/records.js';
import { checkString, optionalObject, requiredString, type JsonObject } from '../wire/fields.js';
import type { XksEndpointTarget } from '../../xks-client/xks-transport.js';

// spec B2 / A2 / A12: KMS's lengths and patterns.
export const CUSTOM_KEY_STORE_NAME = { min: 1, max: 256 } as const;
export const CUSTOM_KEY_STORE_ID = { min: 1, max: 64 } as const;
export const XKS_PROXY_URI_ENDPOINT = { min: 10, max: 128, pattern: /^https:\/\/[a-zA-Z0-9.-]+$/ } as const;
/** Emulator extension, only with allowHttpLoopback: a loopback endpoint with an optional port. */
export const LOOPBACK_URI_ENDPOINT = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;
export const XKS_PROXY_URI_PATH = { min: 10, max: 128, pattern: /^(\/[a-zA-Z0-9/_-]+\/kms\/xks\/v\d{1,2})$|^(\/kms\/xks\/v\d{1,2})$/ } as const;
export const ACCESS_KEY_ID = { min: 20, max: 30, pattern: /^[A-Z2-7]+$/ } as const;
export const RAW_SECRET_ACCESS_KEY = { min: 43, max: 64, pattern: /^[a-zA-Z0-9/+=]+$/, sensitive: true } as const;
export const VPC_ENDPOINT_SERVICE_NAME = { min: 20, max: 64, pattern: /^(com|eu)\.amazonaws\.vpce\.([a-z]+-){2,3}\d+\.vpce-svc-[0-9a-z]+$/ } as const;
export const VPC_ENDPOINT_SERVICE_OWNER = { min: 12, max: 12, pattern: /^[0-9]{12}$/ } as const;
export const CONNECTIVITY = ['PUBLIC_ENDPOINT', 'VPC_ENDPOINT_SERVICE'] as const;
/** API model MarkerType. */
export const MARKER = { min: 1, max: 1024, pattern: /^[\u0020-\u00FF]*$/ } as const;

export function targetOf(r: CustomKeyStoreRecord): XksEndpointTarget {
  return {
    uriEndpoint: r.uriEndpoint,
    uriPath: r.uriPath,
    accessKeyId: r.accessKeyId,
    rawSecretAccessKey: r.rawSecretAccessKey,
    // Not sent anywhere: names the store on the console's Proxy calls page.
    customKeyStoreId: r.customKeyStoreId,
    customKeyStoreName: r.customKeyStoreName,
  };
}

export interface XksProxyConfigurationEntry {
  readonly Connectivity: string;
  readonly AccessKeyId: string;
  readonly UriEndpoint: string;
  readonly UriPath: string;
  readonly VpcEndpointServiceName?: string;
  readonly VpcEndpointServiceOwner?: string;
}

export interface CustomKeyStoreEntry {
  readonly CustomKeyStoreId: string;
  readonly CustomKeyStoreName: string;
  readonly CustomKeyStoreType: 'EXTERNAL_KEY_STORE';
  readonly ConnectionState: string;
  readonly ConnectionErrorCode?: string;
  /** Epoch seconds. */
  readonly CreationDate: number;
  readonly XksProxyConfiguration: XksProxyConfigurationEntry;
}

/** spec B9: the Describe shape, exactly; never the secret. */
export function toDescribeEntry(r: CustomKeyStoreRecord): CustomKeyStoreEntry {
  const vpc = r.connectivity === 'VPC_ENDPOINT_SERVICE';
  return {
    CustomKeyStoreId: r.customKeyStoreId,
    CustomKeyStoreName: r.customKeyStoreName,
    CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
    ConnectionState: r.connectionState,
    ...(r.connectionState === 'FAILED' && r.connectionErrorCode !== undefined && { ConnectionErrorCode: r.connectionErrorCode }),
    CreationDate: r.creationDate / 1000,
    XksProxyConfiguration: {
      Connectivity: r.connectivity,
      AccessKeyId: r.accessKeyId,
      UriEndpoint: r.uriEndpoint,
      UriPath: r.uriPath,
      ...(vpc && r.vpcEndpointServiceName !== undefined && { VpcEndpointServiceName: r.vpcEndpointServiceName }),
      ...(vpc && r.vpcEndpointServiceOwner !== undefined && { VpcEndpointServiceOwner: r.vpcEndpointServiceOwner }),
    },
  };
}

export function invalidState(r: CustomKeyStoreRecord, op: string): KmsException {
  return kmsError.CustomKeyStoreInvalidStateException(
    `${op} is not allowed while custom key store ${r.customKeyStoreId} is ${r.connectionState}.` +
      (r.connectionState === 'FAILED' ? ' Disconnect it first (DisconnectCustomKeyStore), then retry.' : ''),
  );
}

export interface ProxyCredential {
  readonly accessKeyId: string;
  readonly rawSecretAccessKey: string;
}

export function parseCredential(body: JsonObject): ProxyCredential | undefined {
  const cred = optionalObject(body, 'XksProxyAuthenticationCredential');
  if (cred === undefined) return undefined;
  // spec B9: the credential always carries both parts.
  return {
    accessKeyId: requiredString(cred, 'AccessKeyId', { ...ACCESS_KEY_ID, at: 'XksProxyAuthenticationCredential.AccessKeyId' }),
    rawSecretAccessKey: requiredString(cred, 'RawSecretAccessKey', { ...RAW_SECRET_ACCESS_KEY, at: 'XksProxyAuthenticationCredential.RawSecretAccessKey' }),
  };
}

/** Appended to KMS's own refusal of a loopback endpoint: the emulator's flag that would accept it. */
export const ALLOW_HTTP_LOOPBACK_HINT =
  ' (emulator: http:// and a port on 127.0.0.1/localhost are accepted only when xks kms runs with --allow-http-loopback, or --with-proxy; AWS KMS needs https://)';

export function checkEndpoint(config: KmsEmulatorConfig, endpoint: string): string {
  const loopback = LOOPBACK_URI_ENDPOINT.test(endpoint);
  if (config.allowHttpLoopback && loopback) return endpoint;
  try {
    return checkString('XksProxyUriEndpoint', endpoint, XKS_PROXY_URI_ENDPOINT);
  } catch (error) {
    if (loopback && error instanceof KmsException) throw new KmsException(error.type, `${error.message}${ALLOW_HTTP_LOOPBACK_HINT}`);
    throw error;
  }
}

/** spec B4: the endpoint-service checks of a VPC store, against the emulated registry. */
export function checkVpcService(config: KmsEmulatorConfig, r: CustomKeyStoreRecord): ProxyFailure | undefined {
  const owner = r.vpcEndpointServiceOwner ?? config.accountId;
  const svc = config.vpcEndpointServices.find((s) => s.serviceName === r.vpcEndpointServiceName && (s.owner ?? config.accountId) === owner);
  if (svc === undefined) return { kind: 'vpc-endpoint-service-not-found', detail: `no endpoint service ${r.vpcEndpointServiceName} owned by ${owner}` };
  if (svc.allowsKmsPrincipal === false) return { kind: 'vpc-endpoint-service-not-found', detail: `cks.kms.${config.region}.amazonaws.com is not an allowed principal of ${svc.serviceName}` };
  if (svc.problems !== undefined && svc.problems.length > 0) return { kind: 'vpc-endpoint-service-invalid', detail: svc.problems.join('; ') };
  if (`https://${svc.privateDnsName}` !== r.uriEndpoint) return { kind: 'vpc-endpoint-service-invalid', detail: `private DNS name ${svc.privateDnsName} does not match ${r.uriEndpoint}` };
  return undefined;
}

/** spec B3: uniqueness rules and their exceptions, checked against every other store. */
export function checkUniqueness(all: readonly CustomKeyStoreRecord[], c: CustomKeyStoreRecord): void {
  const others = all.filter((o) => o.customKeyStoreId !== c.customKeyStoreId);
  if (others.some((o) => o.customKeyStoreName === c.customKeyStoreName)) {
    throw kmsError.CustomKeyStoreNameInUseException(`A custom key store named ${c.customKeyStoreName} already exists.`);
  }
  if (others.some((o) => o.uriEndpoint === c.uriEndpoint && o.uriPath === c.uriPath)) {
    throw kmsError.XksProxyUriInUseException(`Another custom key store already uses ${c.uriEndpoint}${c.uriPath}.`);
  }
  if (others.some((o) => o.uriEndpoint === c.uriEndpoint && (o.connectivity === 'VPC_ENDPOINT_SERVICE' || c.connectivity === 'VPC_ENDPOINT_SERVICE'))) {
    throw kmsError.XksProxyUriEndpointInUseException(`The endpoint ${c.uriEndpoint} is already used by a VPC_ENDPOINT_SERVICE custom key store.`);
  }
  if (c.connectivity === 'VPC_ENDPOINT_SERVICE' && others.some((o) => o.connectivity === 'VPC_ENDPOINT_SERVICE' && o.vpcEndpointServiceName === c.vpcEndpointServiceName)) {
    throw kmsError.XksProxyVpcEndpointServiceInUseException(`The VPC endpoint service ${c.vpcEndpointServiceName} is already used by another custom key store.`);
  }
}
