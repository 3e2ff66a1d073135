import { expressServerClasses } from '../http/express-server-classes.js';
import { createServer, type Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createAdminApp } from '../admin/create-admin-app.js';
import { buildProxyStatus, type ProxyStatus } from '../admin/proxy-status.js';
import { ConfigError, type KeyStoreConfig, type ProxyConfig } from '../config/load-config.js';
import { createFaultInjector, createFaultState } from '../http/fault-injector.js';
import { filePermissionWarnings, keyDirectoryProblems } from '../config/file-checks.js';
import { createAesGcmEngine } from '../../crypto/aes-gcm.js';
import { createPooledRandomBytes, type RandomBytes } from '../../crypto/random.js';
import { createApp } from '../http/create-app.js';
import { buildRuntime, type ProxyRuntime } from '../http/proxy-runtime.js';
import { createHealthMonitor } from '../health/health-monitor.js';
import { createKeyCodecRegistry, type KeyCodecRegistry } from '../keystore/key-codec-registry.js';
import type { KeyStore } from '../keystore/key-store.js';
import type { KeyBackend } from '../keystore/key-backend.js';
import { createStoreBackends } from './store-backends.js';
import type { Logger } from '../../logging/create-logger.js';
import { createRuntimeHolder, type RuntimeHolder } from './runtime-holder.js';
import { createListener, loadTlsMaterial, type TlsMaterial } from '../transport/create-listener.js';
import { createRequestThrottle } from '../throttle/request-throttle.js';
import { createCredentialUsage, type CredentialUsage } from '../usage/credential-usage.js';
import { createRefusalCounters, type RefusalCounters } from '../http/refusal-counters.js';
import type { RequestObserver } from '../http/request-log.js';
import { logKillSwitches } from './log-kill-switches.js';
import { loadStoreKeys } from './load-store-keys.js';
import { createDecisionLog, type DecisionLog } from '../explain/decision-log.js';
import { createProxyMetrics, type ProxyMetrics } from '../metrics/proxy-metrics.js';
import { PROXY_VERSION } from '../metrics/proxy-version.js';
import { watchKeyDirectories, type KeyDirectoryWatcher } from './watch-key-directories.js';
import { listenOn, type ListenerRole } from './listen.js';

/**
 * Load every key store's directory. Pass the process's codec registry so passphrases are not derived again on
 * each reload (a fresh one is correct, only slower), and the runtime serving until now so a key whose file went bad
 * keeps its last good version (src/proxy/server/load-store-keys.ts).
 */
export function loadRuntime(
  config: ProxyConfig,
  logger: Logger,
  codecs: KeyCodecRegistry = createKeyCodecRegistry(),
  previous?: ProxyRuntime,
  clock: () => number = Date.now,
  backendOf?: (store: KeyStoreConfig) => KeyBackend | undefined,
): ProxyRuntime {
  const before = (store: KeyStoreConfig) =>
    [...(previous?.storesByPrefix.values() ?? [])].find((s) => s.config.name === store.name && s.config.keyDirectory === store.keyDirectory)?.fileKeys;
  return buildRuntime(config, (store: KeyStoreConfig): KeyStore => loadStoreKeys(store, { logger, codecs, clock }, before(store)), backendOf);
}

function logFilePermissionWarnings(config: ProxyConfig, logger: Logger): void {
  for (const w of filePermissionWarnings(config)) logger.warn({ file: w.file }, w.message);
}

export interface ProxyServerOptions {
  readonly config: ProxyConfig;
  readonly logger: Logger;
  readonly clock?: () => number;
  readonly random?: RandomBytes;
  /** Watch key directories and swap in changes (default true). */
  readonly watchKeyDirectories?: boolean;
  /** `xks serve --allow-faults`: honour the `faults` section and the admin listener's /faults (docs/faults.md). */
  readonly allowFaults?: boolean;
  /** Uniform in [0, 1): the fault probabilities' draw (default Math.random; tests pin it). */
  readonly faultRandom?: () => number;
  /** Extra observers of every finished request (metrics, traces), after the request log line. */
  readonly observers?: readonly RequestObserver[];
  /** Open config.admin's listener (default true); a fleet worker leaves it to the primary (docs/operations.md). */
  readonly adminListener?: boolean;
}

/** How long close() lets requests in flight finish before it drops their connections (docs/operations.md). */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

export interface RunningProxy {
  readonly server: Server | HttpsServer;
  readonly port: number;
  /** e.g. http://127.0.0.1:7700 */
  readonly url: string;
  /** e.g. http://127.0.0.1:7701 when the admin listener is configured. */
  readonly adminUrl: string | undefined;
  readonly runtime: RuntimeHolder;
  readonly credentialUsage: CredentialUsage;
  /** Recent order-of-checks decisions (`xks explain`, the KMS console); outlives reloads. */
  readonly decisions: DecisionLog;
  /** Refusals by limit since start, counted by the listener and the app (docs/configuration.md "Limits and slow clients"). */
  readonly refusals: RefusalCounters;
  /** What `xks status` shows (the admin listener's GET /status). */
  status(): ProxyStatus;
  /** This process's Prometheus metrics (the admin listener's GET /metrics). */
  readonly metrics: ProxyMetrics;
  /**
   * Install a validated new configuration without a restart: TLS material first (throws TlsConfigError and
   * changes nothing when it is unusable), then key stores, then one atomic swap. In-flight requests keep the
   * runtime they started with. listen host/port and admin changes need a restart (logged).
   */
  reload(next: ProxyConfig, reason: string): void;
  /** Stop accepting, let requests in flight finish for up to graceMs, then drop what is left. */
  close(graceMs?: number): Promise<void>;
}

export async function listen(server: Server | HttpsServer, port: number, host: string, scheme = 'http', role: ListenerRole = 'admin', backlog?: number): Promise<string> {
  const address = await listenOn(server, port, host, role, backlog);
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

function closeServer(server: Server | HttpsServer, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** docs/faults.md: a configuration with fault rules needs `--allow-faults`, so a test config never reaches production silently. */
function refuseFaultsUnlessAllowed(config: ProxyConfig, allowed: boolean): void {
  if (!allowed && (config.faults?.length ?? 0) > 0) {
    throw new ConfigError(config.source, ['faults: fault injection is configured, but xks serve was not started with --allow-faults']);
  }
}

/** Build the app from a validated config and listen on config.listen (and config.admin when set). */
export async function startProxy(options: ProxyServerOptions): Promise<RunningProxy> {
  const { config, logger } = options;
  refuseFaultsUnlessAllowed(config, options.allowFaults === true);
  const faults = options.allowFaults === true ? createFaultState(config.faults ?? [], logger, 'start') : undefined;
  const clock = options.clock ?? Date.now;
  const tlsSummary = (m: TlsMaterial | undefined) => m === undefined ? {} : { tls: { ...m.summary, mtls: m.mtls } };
  const tls = config.listen.tls === undefined ? undefined : loadTlsMaterial(config.listen.tls);
  if (tls?.summary.expired === true) logger.warn(tls.summary, 'the TLS server certificate has expired');
  logKillSwitches(config, logger);
  logFilePermissionWarnings(config, logger);
  // Outside the runtime, so quotas and last-used times survive reloads.
  const credentialUsage = createCredentialUsage(clock);
  const throttle = createRequestThrottle(clock);
  const decisions = createDecisionLog();
  const refusals = createRefusalCounters();
  const random = options.random ?? createPooledRandomBytes();
  const engine = createAesGcmEngine(config.crypto.engine);
  const codecs = createKeyCodecRegistry();
  let watcher: KeyDirectoryWatcher | undefined;
  // docs/hsm.md: a pkcs11 store's token is opened now; a missing module, token or wrong PIN is a ConfigError (exit 1).
  let observeHsmCall: ((operation: string, seconds: number, outcome: string) => void) | undefined;
  const backends = createStoreBackends({ logger, observeCall: (operation, seconds, outcome) => observeHsmCall?.(operation, seconds, outcome) });
  const firstBackends = backends.prepare(config);
  firstBackends.commit();
  const holder = createRuntimeHolder(loadRuntime(config, logger, codecs, undefined, clock, firstBackends.backendOf), clock, (_next, reason) => {
    logger.info({ reason }, 'runtime reloaded');
    watcher?.resync();
  });
  // Lives outside the runtime, so its cached result survives swaps (spec A7 deep health, docs/operations.md).
  const health = createHealthMonitor({
    stores: () => holder.current().config.keyStores,
    codecs,
    engine,
    random,
    clock,
    logger,
    backendOf: (store) => backends.current(store.name),
    ...(config.healthCheck !== undefined && { config: config.healthCheck }),
  });
  await health.runChecks();
  health.start();
  if (options.watchKeyDirectories !== false) {
    watcher = watchKeyDirectories({ holder, logger, loadKeys: (store, previous) => loadStoreKeys(store, { logger, codecs, clock }, previous), onReloaded: () => void health.runChecks() });
  }
  const faultScopes = () => [...holder.current().storesByPrefix.values()].map((s) => ({ name: s.config.name, keys: s.keys.listKeys().map((k) => k.externalKeyId) }));
  const status = (): ProxyStatus => ({
    pid: process.pid,
    ...buildProxyStatus(holder.current(), { at: holder.loadedAt, reason: holder.loadReason, rejected: holder.rejectedReload }, { usage: credentialUsage, health: health.snapshot, refusals: refusals.snapshot }),
  });
  // Read at scrape time, except the per-request counters (metrics.observer): docs/operations.md "Metrics".
  const metrics = createProxyMetrics({
    status,
    inFlight: () => throttle.inFlight,
    openConnections: () => new Promise<number>((resolve) => listener.server.getConnections((_error, count) => resolve(count ?? 0))),
    refusals: () => refusals.snapshot(),
    version: PROXY_VERSION,
  });
  observeHsmCall = metrics.hsmCall;
  // Connections that carried a signed request: the listener closes them for room last (docs/configuration.md).
  const authenticatedConnections = new WeakSet<object>();
  const app = createApp({
    runtime: holder.current,
    engine,
    clock,
    random,
    logger,
    throttle,
    credentialUsage,
    ekmHealth: health.health,
    ...(faults !== undefined && { faults: createFaultInjector({ rules: faults.current, random: options.faultRandom ?? Math.random }) }),
    decisions,
    refusals,
    observers: [metrics.observer, ...(options.observers ?? [])],
    authenticatedConnections,
  });
  const listener = createListener(app, config, tls, logger, refusals, expressServerClasses(app), authenticatedConnections);
  const { server } = listener;
  let url: string;
  let adminServer: Server | undefined;
  let adminUrl: string | undefined;
  try {
    url = await listen(server, config.listen.port, config.listen.host, listener.scheme, 'proxy', config.limits.listenBacklog);
    if (tls !== undefined) logger.info(tlsSummary(tls), 'TLS enabled');
    if (config.admin !== undefined && options.adminListener !== false) {
      adminServer = createServer(createAdminApp({ status, metrics: () => metrics.registry.metrics(), metricsContentType: metrics.registry.contentType, decisions, ...(faults !== undefined && { faults, faultScopes }), ...(config.admin.allowedHosts !== undefined && { allowedHosts: config.admin.allowedHosts }) }));
      adminUrl = await listen(adminServer, config.admin.port, config.admin.host, 'http', 'admin');
    }
  } catch (error) {
    // A start that cannot bind leaves nothing running: no timer, no watch, no half-open listener.
    health.stop();
    watcher?.close();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    await backends.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url,
    adminUrl,
    runtime: holder,
    credentialUsage,
    decisions,
    refusals,
    status,
    metrics,
    reload(next, reason) {
      refuseFaultsUnlessAllowed(next, options.allowFaults === true);
      const directoryProblems = keyDirectoryProblems(next);
      if (directoryProblems.length > 0) {
        void health.runChecks(); // the serving configuration's directories may be broken too: report it now, not at the next tick
        throw new ConfigError(next.source, directoryProblems);
      }
      const nextTls = next.listen.tls === undefined ? undefined : loadTlsMaterial(next.listen.tls);
      const previous = holder.current().config;
      if (next.listen.host !== previous.listen.host || next.listen.port !== previous.listen.port) {
        logger.warn({ listen: { host: next.listen.host, port: next.listen.port } }, 'listen.host/port changed: takes effect at the next restart');
      }
      if (JSON.stringify(next.admin) !== JSON.stringify(previous.admin)) logger.warn('admin listener changed: takes effect at the next restart');
      logKillSwitches(next, logger);
      logFilePermissionWarnings(next, logger);
      const prepared = backends.prepare(next);
      let runtime: ProxyRuntime;
      try {
        runtime = loadRuntime(next, logger, codecs, holder.current(), clock, prepared.backendOf);
      } catch (error) {
        prepared.abort();
        throw error;
      }
      prepared.commit();
      listener.apply(next, nextTls);
      holder.swap(runtime, reason);
      holder.recordRejectedReload(undefined);
      faults?.replace(next.faults ?? [], `reload: ${reason}`);
      if (nextTls !== undefined) logger.info({ reason, ...tlsSummary(nextTls) }, 'TLS certificates loaded');
    },
    close: async (graceMs = DEFAULT_SHUTDOWN_GRACE_MS) => {
      health.stop();
      watcher?.close();
      await Promise.all([closeServer(server, graceMs), adminServer === undefined ? undefined : closeServer(adminServer, graceMs)]);
      await backends.close();
    },
  };
}
