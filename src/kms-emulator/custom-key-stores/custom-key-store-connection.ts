/**
 * The ConnectionState machine of external key stores in time (spec B5): CONNECTING lasts at least
 * connectingDelayMs and ends CONNECTED or FAILED with the B6 code; DISCONNECTING ends DISCONNECTED; while
 * CONNECTED a periodic KmsHealthCheck feeds the log and status view and never changes ConnectionState (B4).
 * Owns its timers; a generation counter per store keeps a stale timer or probe from overwriting a newer state.
 */
import { checkVpcService, targetOf } from './custom-key-store-rules.js';
import { describeFailure, type ProxyFailure } from '../../xks-client/proxy-outcome.js';
import { mapFailure } from './proxy-outcome-mapping.js';
import type { KmsServiceDeps } from '../context/service-context.js';
import type { ConnectionErrorCode, ConnectionState, CustomKeyStoreRecord } from '../store/records.js';
import type { HealthStatusResponse } from '../../xks-client/proxy-outcome.js';

export interface HealthCheckView {
  readonly at: string;
  readonly healthy: boolean;
  readonly outcome: string;
  readonly detail: string;
  readonly ekmFleet?: readonly { readonly id: string; readonly healthStatus: string }[];
}

export interface ConnectionLifecycle {
  setState(r: CustomKeyStoreRecord, state: ConnectionState, code?: ConnectionErrorCode): CustomKeyStoreRecord;
  beginConnect(r: CustomKeyStoreRecord, requestId: string): void;
  beginDisconnect(r: CustomKeyStoreRecord): void;
  /** Invalidates pending transitions of a store (FAILED -> DISCONNECTED is immediate). */
  cancelPending(id: string): void;
  /** spec B11: GetHealthStatus with this kmsOperation; undefined when healthy. */
  probeHealth(r: CustomKeyStoreRecord, kmsOperation: string, requestId: string): Promise<ProxyFailure | undefined>;
  lastHealth(id: string): HealthCheckView | undefined;
  forget(id: string): void;
  resume(stores: readonly CustomKeyStoreRecord[]): void;
  idle(): Promise<void>;
  close(): void;
}

export function createConnectionLifecycle(deps: KmsServiceDeps): ConnectionLifecycle {
  const { config, store, xks, clock, logger } = deps;
  const generation = new Map<string, number>();
  const pending = new Set<Promise<void>>();
  const monitors = new Map<string, NodeJS.Timeout>();
  const health = new Map<string, HealthCheckView>();
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

  function setState(r: CustomKeyStoreRecord, state: ConnectionState, code?: ConnectionErrorCode): CustomKeyStoreRecord {
    const next: CustomKeyStoreRecord = { ...r, connectionState: state, connectionErrorCode: state === 'FAILED' ? code : undefined };
    store.putCustomKeyStore(next);
    logger.info({ customKeyStoreId: r.customKeyStoreId, from: r.connectionState, to: state, connectionErrorCode: next.connectionErrorCode }, 'custom key store state');
    return next;
  }

  /**
   * Keep what the proxy said about its key manager on the stored record (the console's "Key custody"), when the
   * stored record still points at the proxy that answered (an update probing a new endpoint is not stored yet).
   */
  function learnKeyManager(r: CustomKeyStoreRecord, health: HealthStatusResponse): void {
    // An answer that arrives after close() finds the store closed: nothing is kept (and nothing thrown).
    if (closed) return;
    const current = store.getCustomKeyStore(r.customKeyStoreId);
    if (current === undefined || current.uriEndpoint !== r.uriEndpoint || current.uriPath !== r.uriPath) return;
    const keyManager = { at: clock(), xksProxyVendor: health.xksProxyVendor, ekmVendor: health.ekmVendor, ekmFleetDetails: health.ekmFleetDetails.map((d) => ({ id: d.id, model: d.model })) };
    store.putCustomKeyStore({ ...current, keyManager });
  }

  async function probeHealth(r: CustomKeyStoreRecord, kmsOperation: string, requestId: string): Promise<ProxyFailure | undefined> {
    const result = await xks.getHealthStatus(targetOf(r), { kmsOperation, kmsRequestId: requestId });
    if (!result.ok) return result.failure;
    learnKeyManager(r, result.value);
    return undefined;
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
    if (closed) return;
    const at = new Date(clock()).toISOString();
    if (result.ok) {
      const view: HealthCheckView = { at, healthy: true, outcome: 'ok', detail: `${result.value.xksProxyVendor} ${result.value.xksProxyModel}`, ekmFleet: result.value.ekmFleetDetails.map((d) => ({ id: d.id, healthStatus: d.healthStatus })) };
      health.set(id, view);
      learnKeyManager(r, result.value);
      logger.info({ customKeyStoreId: id, kmsRequestId: requestId, kmsOperation: 'KmsHealthCheck', ekmFleet: view.ekmFleet }, 'health check ok');
    } else {
      const m = mapFailure(result.failure);
      health.set(id, { at, healthy: false, outcome: m.row, detail: describeFailure(result.failure) });
      logger.warn({ customKeyStoreId: id, kmsRequestId: requestId, kmsOperation: 'KmsHealthCheck', outcome: m.row, cause: describeFailure(result.failure) }, 'health check failed');
    }
  }

  function startHealthMonitor(id: string): void {
    stopHealthMonitor(id);
    const t = setInterval(() => {
      runHealthCheck(id).catch((error: unknown) => {
        logger.error({ customKeyStoreId: id, cause: error instanceof Error ? error.message : String(error) }, 'health check could not run');
      });
    }, config.healthCheckIntervalMs);
    t.unref();
    monitors.set(id, t);
  }

  function beginConnect(r: CustomKeyStoreRecord, requestId: string): void {
    const g = bump(r.customKeyStoreId);
    const run = async (): Promise<void> => {
      const started = clock();
      let failure: ProxyFailure | undefined;
      try {
        if (config.faultConnectInternalError) failure = { kind: 'internal', detail: 'fault injected: faultConnectInternalError' };
        else if (r.connectivity === 'VPC_ENDPOINT_SERVICE') failure = checkVpcService(config, r);
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
        health.delete(r.customKeyStoreId);
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
    setState,
    beginConnect,
    beginDisconnect,
    cancelPending: (id) => {
      bump(id);
    },
    probeHealth,
    lastHealth: (id) => health.get(id),
    forget: (id) => {
      generation.delete(id);
      health.delete(id);
      stopHealthMonitor(id);
    },
    resume(stores) {
      for (const r of stores) {
        if (r.connectionState === 'CONNECTING') beginConnect(r, deps.randomUUID());
        else if (r.connectionState === 'DISCONNECTING') beginDisconnect(r);
        else if (r.connectionState === 'CONNECTED') startHealthMonitor(r.customKeyStoreId);
      }
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
