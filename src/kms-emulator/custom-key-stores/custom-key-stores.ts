/**
 * Custom key stores of type EXTERNAL_KEY_STORE (spec B2-B6, B9): the six operations with validation,
 * uniqueness and quota, the operation-by-state rules of B5 and the proxy probes of B4. The pure rules live in
 * custom-key-store-rules.ts, the state machine in time in custom-key-store-connection.ts.
 */
import { createConnectionLifecycle, type HealthCheckView } from './custom-key-store-connection.js';
import {
  checkEndpoint,
  checkUniqueness,
  checkVpcService,
  CONNECTIVITY,
  CUSTOM_KEY_STORE_ID,
  CUSTOM_KEY_STORE_NAME,
  invalidState,
  MARKER,
  parseCredential,
  toDescribeEntry,
  VPC_ENDPOINT_SERVICE_NAME,
  VPC_ENDPOINT_SERVICE_OWNER,
  XKS_PROXY_URI_PATH,
  type CustomKeyStoreEntry,
} from './custom-key-store-rules.js';
import { KmsException, kmsError } from '../wire/kms-exceptions.js';
import { describeFailure, type ProxyFailure } from '../../xks-client/proxy-outcome.js';
import { mapFailure } from './proxy-outcome-mapping.js';
import type { EmptyOutput, KmsServiceDeps, RequestContext } from '../context/service-context.js';
import type { CustomKeyStoreRecord, XksProxyConnectivity } from '../store/records.js';
import { isLoopbackHost } from '../../xks-client/xks-transport.js';
import { optionalInteger, optionalString, requiredString, validationFailure, type JsonObject } from '../wire/fields.js';

export type { HealthCheckView } from './custom-key-store-connection.js';
export { targetOf, toDescribeEntry, type CustomKeyStoreEntry } from './custom-key-store-rules.js';

export type XksProxyAuthenticationCredentialInput = { readonly AccessKeyId: string; readonly RawSecretAccessKey: string };

/** spec B9 request members (CloudHSM-only members are refused). */
export type CreateCustomKeyStoreInput = {
  readonly CustomKeyStoreName: string;
  readonly CustomKeyStoreType?: string;
  readonly XksProxyConnectivity: string;
  readonly XksProxyUriEndpoint: string;
  readonly XksProxyUriPath: string;
  readonly XksProxyAuthenticationCredential: XksProxyAuthenticationCredentialInput;
  readonly XksProxyVpcEndpointServiceName?: string;
  readonly XksProxyVpcEndpointServiceOwner?: string;
};
export type CustomKeyStoreIdInput = { readonly CustomKeyStoreId: string };
export type DescribeCustomKeyStoresInput = { readonly CustomKeyStoreId?: string; readonly CustomKeyStoreName?: string; readonly Limit?: number; readonly Marker?: string };
export type DescribeCustomKeyStoresOutput = { readonly CustomKeyStores: CustomKeyStoreEntry[]; readonly Truncated: boolean; readonly NextMarker?: string };
export type UpdateCustomKeyStoreInput = {
  readonly CustomKeyStoreId: string;
  readonly NewCustomKeyStoreName?: string;
  readonly XksProxyUriEndpoint?: string;
  readonly XksProxyUriPath?: string;
  readonly XksProxyVpcEndpointServiceName?: string;
  readonly XksProxyVpcEndpointServiceOwner?: string;
  readonly XksProxyAuthenticationCredential?: XksProxyAuthenticationCredentialInput;
  readonly XksProxyConnectivity?: string;
};

export type CustomKeyStoreStatus = CustomKeyStoreEntry & { readonly LastHealthCheck: HealthCheckView | null; readonly HealthCheckIntervalMs: number };

export interface CustomKeyStoreService {
  create(input: CreateCustomKeyStoreInput, ctx: RequestContext): Promise<{ CustomKeyStoreId: string }>;
  connect(input: CustomKeyStoreIdInput, ctx: RequestContext): Promise<EmptyOutput>;
  disconnect(input: CustomKeyStoreIdInput, ctx: RequestContext): Promise<EmptyOutput>;
  describe(input?: DescribeCustomKeyStoresInput): Promise<DescribeCustomKeyStoresOutput>;
  update(input: UpdateCustomKeyStoreInput, ctx: RequestContext): Promise<EmptyOutput>;
  delete(input: CustomKeyStoreIdInput): Promise<EmptyOutput>;
  /** Finish transitions interrupted by a restart and restart health checks of CONNECTED stores. */
  resume(): void;
  /** Status view: every store with its state and its last KmsHealthCheck. */
  statusView(): CustomKeyStoreStatus[];
  /** Resolves when no transition is pending (tests). */
  idle(): Promise<void>;
  close(): void;
}

export function createCustomKeyStoreService(deps: KmsServiceDeps): CustomKeyStoreService {
  const { config, store, clock, logger } = deps;
  const lifecycle = createConnectionLifecycle(deps);

  function failWith(failure: ProxyFailure, op: string, r: CustomKeyStoreRecord, requestId: string): KmsException {
    const m = mapFailure(failure);
    logger.warn({ kmsRequestId: requestId, operation: op, customKeyStoreId: r.customKeyStoreId, outcome: m.row, cause: describeFailure(failure) }, 'proxy check failed');
    return new KmsException(m.createOrUpdateCustomKeyStore, m.message, { detail: describeFailure(failure) });
  }

  function load(input: JsonObject): CustomKeyStoreRecord {
    const id = requiredString(input, 'CustomKeyStoreId', CUSTOM_KEY_STORE_ID);
    const r = store.getCustomKeyStore(id);
    if (r === undefined) throw kmsError.CustomKeyStoreNotFoundException(`Custom key store ${id} does not exist.`);
    return r;
  }

  return {
    async create(input, ctx) {
      const body: JsonObject = input;
      const name = requiredString(body, 'CustomKeyStoreName', CUSTOM_KEY_STORE_NAME);
      const type = optionalString(body, 'CustomKeyStoreType', { oneOf: ['AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] }) ?? 'AWS_CLOUDHSM';
      if (type !== 'EXTERNAL_KEY_STORE') {
        throw kmsError.UnsupportedOperationException('This emulator supports only CustomKeyStoreType EXTERNAL_KEY_STORE.');
      }
      for (const hsmOnly of ['CloudHsmClusterId', 'TrustAnchorCertificate', 'KeyStorePassword']) {
        if (body[hsmOnly] !== undefined) throw kmsError.ValidationException(`${hsmOnly} is not valid for an EXTERNAL_KEY_STORE custom key store.`);
      }
      const connectivity = requiredString(body, 'XksProxyConnectivity', { oneOf: CONNECTIVITY }) as XksProxyConnectivity;
      const uriEndpoint = checkEndpoint(config, requiredString(body, 'XksProxyUriEndpoint'));
      const uriPath = requiredString(body, 'XksProxyUriPath', XKS_PROXY_URI_PATH);
      const credential = parseCredential(body);
      if (credential === undefined) {
        throw kmsError.ValidationException("1 validation error detected: Value null at 'xksProxyAuthenticationCredential' failed to satisfy constraint: Member must not be null");
      }
      const serviceName = optionalString(body, 'XksProxyVpcEndpointServiceName', VPC_ENDPOINT_SERVICE_NAME);
      const serviceOwner = optionalString(body, 'XksProxyVpcEndpointServiceOwner', VPC_ENDPOINT_SERVICE_OWNER);
      if (connectivity === 'VPC_ENDPOINT_SERVICE' && serviceName === undefined) {
        throw kmsError.ValidationException('XksProxyVpcEndpointServiceName is required when XksProxyConnectivity is VPC_ENDPOINT_SERVICE.');
      }
      if (connectivity === 'PUBLIC_ENDPOINT' && (serviceName !== undefined || serviceOwner !== undefined)) {
        throw kmsError.ValidationException('XksProxyVpcEndpointServiceName and XksProxyVpcEndpointServiceOwner are only valid when XksProxyConnectivity is VPC_ENDPOINT_SERVICE.');
      }
      if (connectivity === 'VPC_ENDPOINT_SERVICE' && isLoopbackHost(new URL(uriEndpoint).hostname)) {
        throw validationFailure('XksProxyUriEndpoint', uriEndpoint, 'name the private DNS name of the VPC endpoint service');
      }
      const candidate: CustomKeyStoreRecord = {
        customKeyStoreId: `cks-${deps.randomBytes(9).toString('hex').slice(0, 17)}`,
        customKeyStoreName: name,
        connectivity,
        uriEndpoint,
        uriPath,
        accessKeyId: credential.accessKeyId,
        rawSecretAccessKey: credential.rawSecretAccessKey,
        vpcEndpointServiceName: serviceName,
        vpcEndpointServiceOwner: serviceOwner,
        connectionState: 'DISCONNECTED',
        connectionErrorCode: undefined,
        creationDate: clock(),
      };
      checkUniqueness(store.listCustomKeyStores(), candidate);
      if (store.listCustomKeyStores().length >= config.maxCustomKeyStores) {
        throw kmsError.LimitExceededException(`This account already has ${config.maxCustomKeyStores} custom key stores, the maximum in this Region.`);
      }
      // spec B4: PUBLIC -> GetHealthStatus(CreateCustomKeyStore); VPC -> endpoint-service checks only.
      const failure = connectivity === 'VPC_ENDPOINT_SERVICE' ? checkVpcService(config, candidate) : await lifecycle.probeHealth(candidate, 'CreateCustomKeyStore', ctx.requestId);
      if (failure !== undefined) throw failWith(failure, 'CreateCustomKeyStore', candidate, ctx.requestId);
      // Re-check after the await: another create may have won the race.
      checkUniqueness(store.listCustomKeyStores(), candidate);
      store.putCustomKeyStore(candidate);
      logger.info({ kmsRequestId: ctx.requestId, customKeyStoreId: candidate.customKeyStoreId, connectivity }, 'custom key store created');
      return { CustomKeyStoreId: candidate.customKeyStoreId };
    },

    async connect(input, ctx) {
      const r = load(input);
      switch (r.connectionState) {
        case 'DISCONNECTED':
          lifecycle.beginConnect(lifecycle.setState(r, 'CONNECTING'), ctx.requestId);
          return {};
        case 'CONNECTING':
        case 'CONNECTED':
          // spec B5 [UNCONFIRMED]: allowed; the emulator treats it as a no-op.
          return {};
        case 'DISCONNECTING':
        case 'FAILED':
          throw invalidState(r, 'ConnectCustomKeyStore');
      }
    },

    async disconnect(input) {
      const r = load(input);
      switch (r.connectionState) {
        case 'CONNECTING':
        case 'CONNECTED':
          lifecycle.beginDisconnect(lifecycle.setState(r, 'DISCONNECTING'));
          return {};
        case 'FAILED':
          // spec B5: FAILED -> DISCONNECTED (directly [UNCONFIRMED]); the error code is cleared.
          lifecycle.cancelPending(r.customKeyStoreId);
          lifecycle.setState(r, 'DISCONNECTED');
          return {};
        case 'DISCONNECTED':
        case 'DISCONNECTING':
          throw invalidState(r, 'DisconnectCustomKeyStore');
      }
    },

    async describe(input = {}) {
      const body: JsonObject = input;
      const id = optionalString(body, 'CustomKeyStoreId', CUSTOM_KEY_STORE_ID);
      const name = optionalString(body, 'CustomKeyStoreName', CUSTOM_KEY_STORE_NAME);
      const limit = optionalInteger(body, 'Limit', 1, 1000) ?? 1000;
      const marker = optionalString(body, 'Marker', MARKER);
      if (id !== undefined && name !== undefined) {
        // [UNCONFIRMED]: both filters at once.
        throw kmsError.ValidationException('Specify either CustomKeyStoreId or CustomKeyStoreName, not both.');
      }
      let all = store.listCustomKeyStores();
      if (id !== undefined) {
        all = all.filter((r) => r.customKeyStoreId === id);
        if (all.length === 0) throw kmsError.CustomKeyStoreNotFoundException(`Custom key store ${id} does not exist.`);
      } else if (name !== undefined) {
        all = all.filter((r) => r.customKeyStoreName === name);
        if (all.length === 0) throw kmsError.CustomKeyStoreNotFoundException(`Custom key store named ${name} does not exist.`);
      }
      let start = 0;
      if (marker !== undefined) {
        const decoded = Buffer.from(marker, 'base64').toString('utf8');
        start = all.findIndex((r) => r.customKeyStoreId === decoded);
        if (start < 0) throw kmsError.InvalidMarkerException('The request was rejected because the marker that specifies where pagination should next begin is not valid.');
      }
      const page = all.slice(start, start + limit);
      const next = all[start + limit];
      return { CustomKeyStores: page.map(toDescribeEntry), Truncated: next !== undefined, ...(next !== undefined && { NextMarker: Buffer.from(next.customKeyStoreId).toString('base64') }) };
    },

    async update(input, ctx) {
      const body: JsonObject = input;
      const r = load(body);
      const newName = optionalString(body, 'NewCustomKeyStoreName', CUSTOM_KEY_STORE_NAME);
      const endpointRaw = optionalString(body, 'XksProxyUriEndpoint');
      const endpoint = endpointRaw === undefined ? undefined : checkEndpoint(config, endpointRaw);
      const path = optionalString(body, 'XksProxyUriPath', XKS_PROXY_URI_PATH);
      // An empty service name means "none" when switching to PUBLIC_ENDPOINT (spec B9).
      const serviceRaw = body['XksProxyVpcEndpointServiceName'];
      const clearService = serviceRaw === '';
      const serviceName = clearService ? undefined : optionalString(body, 'XksProxyVpcEndpointServiceName', VPC_ENDPOINT_SERVICE_NAME);
      const owner = optionalString(body, 'XksProxyVpcEndpointServiceOwner', VPC_ENDPOINT_SERVICE_OWNER);
      const credential = parseCredential(body);
      const connectivity = optionalString(body, 'XksProxyConnectivity', { oneOf: CONNECTIVITY }) as XksProxyConnectivity | undefined;
      for (const hsmOnly of ['CloudHsmClusterId', 'KeyStorePassword']) {
        if (body[hsmOnly] !== undefined) throw kmsError.ValidationException(`${hsmOnly} is not valid for an EXTERNAL_KEY_STORE custom key store.`);
      }
      const hard = (connectivity !== undefined && connectivity !== r.connectivity) || endpoint !== undefined || serviceName !== undefined || clearService || owner !== undefined;
      const soft = newName !== undefined || credential !== undefined || path !== undefined;
      if (!hard && !soft) throw kmsError.ValidationException('UpdateCustomKeyStore needs at least one property to change.');
      // spec B5 matrix.
      if (r.connectionState === 'CONNECTING' || r.connectionState === 'DISCONNECTING' || r.connectionState === 'FAILED') throw invalidState(r, 'UpdateCustomKeyStore');
      if (r.connectionState === 'CONNECTED' && hard) {
        throw kmsError.CustomKeyStoreInvalidStateException(`Disconnect custom key store ${r.customKeyStoreId} before changing its connectivity, endpoint or VPC endpoint service.`);
      }
      const nextConnectivity = connectivity ?? r.connectivity;
      if (connectivity === 'VPC_ENDPOINT_SERVICE' && r.connectivity === 'PUBLIC_ENDPOINT' && (endpoint === undefined || serviceName === undefined)) {
        throw kmsError.ValidationException('Switching to VPC_ENDPOINT_SERVICE also needs a new XksProxyUriEndpoint and an XksProxyVpcEndpointServiceName.');
      }
      if (connectivity === 'PUBLIC_ENDPOINT' && r.connectivity === 'VPC_ENDPOINT_SERVICE' && (endpoint === undefined || serviceName !== undefined)) {
        throw kmsError.ValidationException('Switching to PUBLIC_ENDPOINT also needs a new XksProxyUriEndpoint and an empty XksProxyVpcEndpointServiceName.');
      }
      if (nextConnectivity === 'PUBLIC_ENDPOINT' && (serviceName !== undefined || owner !== undefined)) {
        throw kmsError.ValidationException('XksProxyVpcEndpointServiceName and XksProxyVpcEndpointServiceOwner are only valid for VPC_ENDPOINT_SERVICE.');
      }
      const candidate: CustomKeyStoreRecord = {
        ...r,
        customKeyStoreName: newName ?? r.customKeyStoreName,
        connectivity: nextConnectivity,
        uriEndpoint: endpoint ?? r.uriEndpoint,
        uriPath: path ?? r.uriPath,
        accessKeyId: credential?.accessKeyId ?? r.accessKeyId,
        rawSecretAccessKey: credential?.rawSecretAccessKey ?? r.rawSecretAccessKey,
        vpcEndpointServiceName: nextConnectivity === 'PUBLIC_ENDPOINT' ? undefined : (serviceName ?? r.vpcEndpointServiceName),
        vpcEndpointServiceOwner: nextConnectivity === 'PUBLIC_ENDPOINT' ? undefined : (owner ?? r.vpcEndpointServiceOwner),
      };
      checkUniqueness(store.listCustomKeyStores(), candidate);
      // spec B4: probe with the new values first. [UNCONFIRMED] a name-only change does not probe; a
      // DISCONNECTED VPC store gets the endpoint-service checks only (its networking does not exist yet).
      if (hard || credential !== undefined || path !== undefined) {
        let failure: ProxyFailure | undefined;
        if (candidate.connectivity === 'VPC_ENDPOINT_SERVICE') {
          failure = checkVpcService(config, candidate);
          if (failure === undefined && r.connectionState === 'CONNECTED') failure = await lifecycle.probeHealth(candidate, 'UpdateCustomKeyStore', ctx.requestId);
        } else {
          failure = await lifecycle.probeHealth(candidate, 'UpdateCustomKeyStore', ctx.requestId);
        }
        if (failure !== undefined) throw failWith(failure, 'UpdateCustomKeyStore', candidate, ctx.requestId);
      }
      const current = store.getCustomKeyStore(r.customKeyStoreId);
      if (current === undefined) throw kmsError.CustomKeyStoreNotFoundException(`Custom key store ${r.customKeyStoreId} does not exist.`);
      if (current.connectionState !== r.connectionState) throw invalidState(current, 'UpdateCustomKeyStore');
      checkUniqueness(store.listCustomKeyStores(), candidate);
      // The key manager learned from the proxy holds while the store points at the same proxy (docs/console.md).
      const sameProxy = candidate.uriEndpoint === current.uriEndpoint && candidate.uriPath === current.uriPath;
      store.putCustomKeyStore({ ...candidate, connectionState: current.connectionState, connectionErrorCode: current.connectionErrorCode, keyManager: sameProxy ? current.keyManager : undefined });
      logger.info({ kmsRequestId: ctx.requestId, customKeyStoreId: r.customKeyStoreId, changed: Object.keys(body).filter((k) => k !== 'CustomKeyStoreId') }, 'custom key store updated');
      return {};
    },

    async delete(input) {
      const r = load(input);
      if (r.connectionState !== 'DISCONNECTED') throw invalidState(r, 'DeleteCustomKeyStore');
      // Counted up to a bound: the answer only needs to say there are keys (and how many, when few).
      const keys = store.countKeysOfStore(r.customKeyStoreId, 1001);
      if (keys > 0) {
        throw kmsError.CustomKeyStoreHasCMKsException(`Custom key store ${r.customKeyStoreId} still has ${keys > 1000 ? 'more than 1000' : keys} KMS key(s), including keys pending deletion.`);
      }
      store.deleteCustomKeyStore(r.customKeyStoreId);
      lifecycle.forget(r.customKeyStoreId);
      return {};
    },

    resume() {
      lifecycle.resume(store.listCustomKeyStores());
    },

    statusView() {
      return store.listCustomKeyStores().map((r) => ({
        ...toDescribeEntry(r),
        LastHealthCheck: lifecycle.lastHealth(r.customKeyStoreId) ?? null,
        HealthCheckIntervalMs: config.healthCheckIntervalMs,
      }));
    },

    idle: () => lifecycle.idle(),
    close: () => lifecycle.close(),
  };
}
