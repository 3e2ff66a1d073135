/**
 * Custom key stores of type EXTERNAL_KEY_STORE (spec B2-B6, B9): validation, uniqueness and quota,
 * the ConnectionState machine with its operation-by-state rules, the real connection probe, and the
 * periodic KmsHealthCheck while CONNECTED (which never changes ConnectionState, spec B4).
 */
import type { Logger } from 'pino';
import type { KmsEmulatorConfig, VpcEndpointServiceEntry } from './kms-config.js';
import { KmsException, kmsError } from './kms-exceptions.js';
import { describeFailure, type ProxyFailure } from './proxy-outcome.js';
import { mapFailure } from './proxy-outcome-mapping.js';
import type { KmsStateStore } from './store/kms-state-store.js';
import type { ConnectionErrorCode, ConnectionState, CustomKeyStoreRecord, XksProxyConnectivity } from './store/records.js';
import { checkString, optionalInteger, optionalObject, optionalString, requiredString, validationFailure, type JsonObject } from './wire/fields.js';
import type { XksClient } from './xks-client.js';
import { isLoopbackHost, type XksEndpointTarget } from './xks-transport.js';

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
const CONNECTIVITY = ['PUBLIC_ENDPOINT', 'VPC_ENDPOINT_SERVICE'] as const;
const MARKER = { min: 1, max: 1024, pattern: /^[\u0020-\u00FF]*$/ } as const;

export interface RequestContext {
  readonly requestId: string;
  readonly principalArn: string;
}

export interface HealthCheckView {
  readonly at: string;
  readonly healthy: boolean;
  readonly outcome: string;
  readonly detail: string;
  readonly ekmFleet?: readonly { readonly id: string; readonly healthStatus: string }[];
}

export interface CustomKeyStoreService {
  create(body: JsonObject, ctx: RequestContext): Promise<{ CustomKeyStoreId: string }>;
  connect(body: JsonObject, ctx: RequestContext): Promise<Record<string, never>>;
  disconnect(body: JsonObject, ctx: RequestContext): Promise<Record<string, never>>;
  describe(body: JsonObject): Promise<Record<string, unknown>>;
  update(body: JsonObject, ctx: RequestContext): Promise<Record<string, never>>;
  delete(body: JsonObject): Promise<Record<string, never>>;
  /** Finish transitions interrupted by a restart and restart health checks of CONNECTED stores. */
  resume(): void;
  /** Status view: every store with its state and its last KmsHealthCheck. */
  statusView(): Record<string, unknown>[];
  /** Resolves when no transition is pending (tests). */
  idle(): Promise<void>;
  close(): void;
}

export interface CustomKeyStoreDeps {
  readonly config: KmsEmulatorConfig;
  readonly store: KmsStateStore;
  readonly xks: XksClient;
  readonly clock: () => number;
  readonly randomBytes: (n: number) => Buffer;
  readonly randomUUID: () => string;
  readonly logger: Logger;
}

export function targetOf(r: CustomKeyStoreRecord): XksEndpointTarget {
  return {
    uriEndpoint: r.uriEndpoint,
    uriPath: r.uriPath,
    accessKeyId: r.accessKeyId,
    rawSecretAccessKey: r.rawSecretAccessKey,
    customKeyStoreId: r.customKeyStoreId,
    customKeyStoreName: r.customKeyStoreName,
  };
}

/** spec B9: the Describe shape, exactly; never the secret. */
export function toDescribeEntry(r: CustomKeyStoreRecord): Record<string, unknown> {
  const xks: Record<string, unknown> = { Connectivity: r.connectivity, AccessKeyId: r.accessKeyId, UriEndpoint: r.uriEndpoint, UriPath: r.uriPath };
  if (r.connectivity === 'VPC_ENDPOINT_SERVICE') {
    xks['VpcEndpointServiceName'] = r.vpcEndpointServiceName;
    if (r.vpcEndpointServiceOwner !== undefined) xks['VpcEndpointServiceOwner'] = r.vpcEndpointServiceOwner;
  }
  const entry: Record<string, unknown> = {
    CustomKeyStoreId: r.customKeyStoreId,
    CustomKeyStoreName: r.customKeyStoreName,
    CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
    ConnectionState: r.connectionState,
  };
  if (r.connectionState === 'FAILED' && r.connectionErrorCode !== undefined) entry['ConnectionErrorCode'] = r.connectionErrorCode;
  entry['CreationDate'] = r.creationDate / 1000;
  entry['XksProxyConfiguration'] = xks;
  return entry;
}

function invalidState(r: CustomKeyStoreRecord, op: string): KmsException {
  return kmsError.CustomKeyStoreInvalidStateException(
    `${op} is not allowed while custom key store ${r.customKeyStoreId} is ${r.connectionState}.` +
      (r.connectionState === 'FAILED' ? ' Disconnect it first (DisconnectCustomKeyStore), then retry.' : ''),
  );
}

interface Credential {
  readonly accessKeyId: string;
  readonly rawSecretAccessKey: string;
}

function parseCredential(body: JsonObject): Credential | undefined {
  const cred = optionalObject(body, 'XksProxyAuthenticationCredential');
  if (cred === undefined) return undefined;
  // spec B9: the credential always carries both parts.
  return {
    accessKeyId: requiredString(cred, 'AccessKeyId', ACCESS_KEY_ID),
    rawSecretAccessKey: requiredString(cred, 'RawSecretAccessKey', RAW_SECRET_ACCESS_KEY),
  };
}

export function createCustomKeyStoreService(deps: CustomKeyStoreDeps): CustomKeyStoreService {
  const { config, store, xks, clock, logger } = deps;
  /** Bumped by every transition so a stale timer or probe cannot overwrite a newer state. */
  const generation = new Map<string, number>();
  const pending = new Set<Promise<void>>();
  const monitors = new Map<string, NodeJS.Timeout>();
  const lastHealth = new Map<string, HealthCheckView>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const bump = (id: string): number => {
    const g = (generation.get(id) ?? 0) + 1;
    generation.set(id, g);
    return g;
  };
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  const track = (p: Promise<void>): void => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  function checkEndpoint(endpoint: string): string {
    if (config.allowHttpLoopback && LOOPBACK_URI_ENDPOINT.test(endpoint)) return endpoint;
    return checkString('XksProxyUriEndpoint', endpoint, XKS_PROXY_URI_ENDPOINT);
  }

  function findVpcService(r: CustomKeyStoreRecord): VpcEndpointServiceEntry | undefined {
    const owner = r.vpcEndpointServiceOwner ?? config.accountId;
    return config.vpcEndpointServices.find((s) => s.serviceName === r.vpcEndpointServiceName && (s.owner ?? config.accountId) === owner);
  }

  /** spec B4: the endpoint-service checks of a VPC store. */
  function checkVpcService(r: CustomKeyStoreRecord): ProxyFailure | undefined {
    const svc = findVpcService(r);
    if (svc === undefined) return { kind: 'vpc-endpoint-service-not-found', detail: `no endpoint service ${r.vpcEndpointServiceName} owned by ${r.vpcEndpointServiceOwner ?? config.accountId}` };
    if (svc.allowsKmsPrincipal === false) return { kind: 'vpc-endpoint-service-not-found', detail: `cks.kms.${config.region}.amazonaws.com is not an allowed principal of ${svc.serviceName}` };
    if (svc.problems !== undefined && svc.problems.length > 0) return { kind: 'vpc-endpoint-service-invalid', detail: svc.problems.join('; ') };
    if (`https://${svc.privateDnsName}` !== r.uriEndpoint) return { kind: 'vpc-endpoint-service-invalid', detail: `private DNS name ${svc.privateDnsName} does not match ${r.uriEndpoint}` };
    return undefined;
  }

  async function probeHealth(r: CustomKeyStoreRecord, kmsOperation: string, requestId: string): Promise<ProxyFailure | undefined> {
    const result = await xks.getHealthStatus(targetOf(r), { kmsOperation, kmsRequestId: requestId });
    return result.ok ? undefined : result.failure;
  }

  function failWith(failure: ProxyFailure, op: string, r: CustomKeyStoreRecord, requestId: string): KmsException {
    const m = mapFailure(failure);
    logger.warn({ kmsRequestId: requestId, operation: op, customKeyStoreId: r.customKeyStoreId, outcome: m.row, cause: describeFailure(failure) }, 'proxy check failed');
    return new KmsException(m.createOrUpdateCustomKeyStore, m.message, { detail: describeFailure(failure) });
  }

  /** spec B3: uniqueness rules and their exceptions, checked against every other store. */
  function checkUniqueness(c: CustomKeyStoreRecord): void {
    const others = store.listCustomKeyStores().filter((o) => o.customKeyStoreId !== c.customKeyStoreId);
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

  function load(body: JsonObject): CustomKeyStoreRecord {
    const id = requiredString(body, 'CustomKeyStoreId', CUSTOM_KEY_STORE_ID);
    const r = store.getCustomKeyStore(id);
    if (r === undefined) throw kmsError.CustomKeyStoreNotFoundException(`Custom key store ${id} does not exist.`);
    return r;
  }

  function setState(r: CustomKeyStoreRecord, state: ConnectionState, code?: ConnectionErrorCode): CustomKeyStoreRecord {
    const next: CustomKeyStoreRecord = { ...r, connectionState: state, connectionErrorCode: state === 'FAILED' ? code : undefined };
    store.putCustomKeyStore(next);
    logger.info({ customKeyStoreId: r.customKeyStoreId, from: r.connectionState, to: state, connectionErrorCode: next.connectionErrorCode }, 'custom key store state');
    return next;
  }

  function startHealthMonitor(id: string): void {
    stopHealthMonitor(id);
    const t = setInterval(() => {
      void runHealthCheck(id);
    }, config.healthCheckIntervalMs);
    t.unref();
    monitors.set(id, t);
  }
  function stopHealthMonitor(id: string): void {
    const t = monitors.get(id);
    if (t !== undefined) clearInterval(t);
    monitors.delete(id);
  }

  /** spec B4: the periodic probe feeds metrics (here: log + status view) and never changes ConnectionState. */
  async function runHealthCheck(id: string): Promise<void> {
    const r = store.getCustomKeyStore(id);
    if (r === undefined || r.connectionState !== 'CONNECTED') {
      stopHealthMonitor(id);
      return;
    }
    const requestId = deps.randomUUID();
    const result = await xks.getHealthStatus(targetOf(r), { kmsOperation: 'KmsHealthCheck', kmsRequestId: requestId });
    const at = new Date(clock()).toISOString();
    if (result.ok) {
      const view: HealthCheckView = { at, healthy: true, outcome: 'ok', detail: `${result.value.xksProxyVendor} ${result.value.xksProxyModel}`, ekmFleet: result.value.ekmFleetDetails.map((d) => ({ id: d.id, healthStatus: d.healthStatus })) };
      lastHealth.set(id, view);
      logger.info({ customKeyStoreId: id, kmsRequestId: requestId, kmsOperation: 'KmsHealthCheck', ekmFleet: view.ekmFleet }, 'health check ok');
    } else {
      const m = mapFailure(result.failure);
      lastHealth.set(id, { at, healthy: false, outcome: m.row, detail: describeFailure(result.failure) });
      logger.warn({ customKeyStoreId: id, kmsRequestId: requestId, kmsOperation: 'KmsHealthCheck', outcome: m.row, cause: describeFailure(result.failure) }, 'health check failed');
    }
  }

  /** spec B5: CONNECTING lasts at least connectingDelayMs, then CONNECTED or FAILED with the B6 code. */
  function beginConnect(r: CustomKeyStoreRecord, requestId: string): void {
    const g = bump(r.customKeyStoreId);
    const run = async (): Promise<void> => {
      const started = clock();
      let failure: ProxyFailure | undefined;
      try {
        if (config.faultConnectInternalError) failure = { kind: 'internal', detail: 'fault injected: faultConnectInternalError' };
        else if (r.connectivity === 'VPC_ENDPOINT_SERVICE') failure = checkVpcService(r);
        if (failure === undefined) failure = await probeHealth(r, 'ConnectCustomKeyStore', requestId);
      } catch (e) {
        failure = { kind: 'internal', detail: e instanceof Error ? e.message : String(e) };
      }
      const remaining = config.connectingDelayMs - (clock() - started);
      if (remaining > 0) await sleep(remaining);
      if (closed || generation.get(r.customKeyStoreId) !== g) return;
      const current = store.getCustomKeyStore(r.customKeyStoreId);
      if (current === undefined || current.connectionState !== 'CONNECTING') return;
      if (failure === undefined) {
        setState(current, 'CONNECTED');
        lastHealth.delete(r.customKeyStoreId);
        startHealthMonitor(r.customKeyStoreId);
      } else {
        const m = mapFailure(failure);
        logger.warn({ kmsRequestId: requestId, customKeyStoreId: r.customKeyStoreId, outcome: m.row, cause: describeFailure(failure) }, 'connect failed');
        setState(current, 'FAILED', m.connectionErrorCode);
      }
    };
    track(run());
  }

  function beginDisconnect(r: CustomKeyStoreRecord): void {
    const g = bump(r.customKeyStoreId);
    stopHealthMonitor(r.customKeyStoreId);
    track(
      (async () => {
        await sleep(config.disconnectingDelayMs);
        if (closed || generation.get(r.customKeyStoreId) !== g) return;
        const current = store.getCustomKeyStore(r.customKeyStoreId);
        if (current !== undefined && current.connectionState === 'DISCONNECTING') setState(current, 'DISCONNECTED');
      })(),
    );
  }

  return {
    async create(body, ctx) {
      const name = requiredString(body, 'CustomKeyStoreName', CUSTOM_KEY_STORE_NAME);
      const type = optionalString(body, 'CustomKeyStoreType', { oneOf: ['AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] }) ?? 'AWS_CLOUDHSM';
      if (type !== 'EXTERNAL_KEY_STORE') {
        throw kmsError.UnsupportedOperationException('This emulator supports only CustomKeyStoreType EXTERNAL_KEY_STORE.');
      }
      for (const hsmOnly of ['CloudHsmClusterId', 'TrustAnchorCertificate', 'KeyStorePassword']) {
        if (body[hsmOnly] !== undefined) throw kmsError.ValidationException(`${hsmOnly} is not valid for an EXTERNAL_KEY_STORE custom key store.`);
      }
      const connectivity = requiredString(body, 'XksProxyConnectivity', { oneOf: CONNECTIVITY }) as XksProxyConnectivity;
      const uriEndpoint = checkEndpoint(requiredString(body, 'XksProxyUriEndpoint'));
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
      checkUniqueness(candidate);
      if (store.listCustomKeyStores().length >= config.maxCustomKeyStores) {
        throw kmsError.LimitExceededException(`This account already has ${config.maxCustomKeyStores} custom key stores, the maximum in this Region.`);
      }
      // spec B4: PUBLIC -> GetHealthStatus(CreateCustomKeyStore); VPC -> endpoint-service checks only.
      const failure = connectivity === 'VPC_ENDPOINT_SERVICE' ? checkVpcService(candidate) : await probeHealth(candidate, 'CreateCustomKeyStore', ctx.requestId);
      if (failure !== undefined) throw failWith(failure, 'CreateCustomKeyStore', candidate, ctx.requestId);
      // Re-check after the await: another create may have won the race.
      checkUniqueness(candidate);
      store.putCustomKeyStore(candidate);
      logger.info({ kmsRequestId: ctx.requestId, customKeyStoreId: candidate.customKeyStoreId, connectivity }, 'custom key store created');
      return { CustomKeyStoreId: candidate.customKeyStoreId };
    },

    async connect(body, ctx) {
      const r = load(body);
      switch (r.connectionState) {
        case 'DISCONNECTED':
          beginConnect(setState(r, 'CONNECTING'), ctx.requestId);
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

    async disconnect(body) {
      const r = load(body);
      switch (r.connectionState) {
        case 'CONNECTING':
        case 'CONNECTED':
          beginDisconnect(setState(r, 'DISCONNECTING'));
          return {};
        case 'FAILED':
          // spec B5: FAILED -> DISCONNECTED (directly [UNCONFIRMED]); the error code is cleared.
          bump(r.customKeyStoreId);
          setState(r, 'DISCONNECTED');
          return {};
        case 'DISCONNECTED':
        case 'DISCONNECTING':
          throw invalidState(r, 'DisconnectCustomKeyStore');
      }
    },

    async describe(body) {
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
      const out: Record<string, unknown> = { CustomKeyStores: page.map(toDescribeEntry), Truncated: next !== undefined };
      if (next !== undefined) out['NextMarker'] = Buffer.from(next.customKeyStoreId).toString('base64');
      return out;
    },

    async update(body, ctx) {
      const r = load(body);
      const newName = optionalString(body, 'NewCustomKeyStoreName', CUSTOM_KEY_STORE_NAME);
      const endpointRaw = optionalString(body, 'XksProxyUriEndpoint');
      const endpoint = endpointRaw === undefined ? undefined : checkEndpoint(endpointRaw);
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
      checkUniqueness(candidate);
      // spec B4: probe with the new values first. [UNCONFIRMED] a name-only change does not probe; a
      // DISCONNECTED VPC store gets the endpoint-service checks only (its networking does not exist yet).
      if (hard || credential !== undefined || path !== undefined) {
        let failure: ProxyFailure | undefined;
        if (candidate.connectivity === 'VPC_ENDPOINT_SERVICE') {
          failure = checkVpcService(candidate);
          if (failure === undefined && r.connectionState === 'CONNECTED') failure = await probeHealth(candidate, 'UpdateCustomKeyStore', ctx.requestId);
        } else {
          failure = await probeHealth(candidate, 'UpdateCustomKeyStore', ctx.requestId);
        }
        if (failure !== undefined) throw failWith(failure, 'UpdateCustomKeyStore', candidate, ctx.requestId);
      }
      const current = store.getCustomKeyStore(r.customKeyStoreId);
      if (current === undefined) throw kmsError.CustomKeyStoreNotFoundException(`Custom key store ${r.customKeyStoreId} does not exist.`);
      if (current.connectionState !== r.connectionState) throw invalidState(current, 'UpdateCustomKeyStore');
      checkUniqueness(candidate);
      store.putCustomKeyStore({ ...candidate, connectionState: current.connectionState, connectionErrorCode: current.connectionErrorCode });
      logger.info({ kmsRequestId: ctx.requestId, customKeyStoreId: r.customKeyStoreId, changed: Object.keys(body).filter((k) => k !== 'CustomKeyStoreId') }, 'custom key store updated');
      return {};
    },

    async delete(body) {
      const r = load(body);
      if (r.connectionState !== 'DISCONNECTED') throw invalidState(r, 'DeleteCustomKeyStore');
      const keys = store.listKeys().filter((k) => k.customKeyStoreId === r.customKeyStoreId);
      if (keys.length > 0) {
        throw kmsError.CustomKeyStoreHasCMKsException(`Custom key store ${r.customKeyStoreId} still has ${keys.length} KMS key(s), including keys pending deletion.`);
      }
      store.deleteCustomKeyStore(r.customKeyStoreId);
      generation.delete(r.customKeyStoreId);
      lastHealth.delete(r.customKeyStoreId);
      return {};
    },

    resume() {
      for (const r of store.listCustomKeyStores()) {
        if (r.connectionState === 'CONNECTING') beginConnect(r, deps.randomUUID());
        else if (r.connectionState === 'DISCONNECTING') beginDisconnect(r);
        else if (r.connectionState === 'CONNECTED') startHealthMonitor(r.customKeyStoreId);
      }
    },

    statusView() {
      return store.listCustomKeyStores().map((r) => ({
        ...toDescribeEntry(r),
        LastHealthCheck: lastHealth.get(r.customKeyStoreId) ?? null,
        HealthCheckIntervalMs: config.healthCheckIntervalMs,
      }));
    },

    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },

    close() {
      closed = true;
      for (const t of monitors.values()) clearInterval(t);
      monitors.clear();
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
