import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ProxyStatus } from '../admin/proxy-status.js';
import { REFUSAL_REASONS, type RefusalReason } from '../http/refusal-counters.js';
import type { RequestObserver } from '../http/request-log.js';

/**
 * Prometheus metrics of one proxy process (docs/operations.md lists every family with its labels). The registry is
 * the process's own, never prom-client's global one. The request counters are updated once per finished request by
 * `observer`, one of the app's request observers (it reads the same outcome record as the log line); everything
 * else (refusals by limit, health, credentials, key files, in-flight, connections) is read at scrape time by collect
 * callbacks, so it costs the request path nothing.
 *
 * Label values come from closed sets or from the configuration (key store names, access key ids, policy rule names,
 * error names): an unauthenticated client cannot grow the number of series.
 */

/** xks_refusals_total{limit}: the refusal counters' reasons in Prometheus label style (slowBody -> slow_body). */
export const refusalLabel = (reason: RefusalReason): string => reason.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Latency buckets in seconds: the proxy answers in well under a millisecond when idle; KMS times out at 250 ms (spec). */
export const DURATION_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

export interface MetricSources {
  /** The status `xks status` shows: key stores, health, key-file problems, credential last use. */
  readonly status: () => ProxyStatus;
  readonly inFlight: () => number;
  readonly openConnections: () => number | Promise<number>;
  /** The refusal counters (connections, pipelining, slow body, quota, concurrency, ...) since start. */
  readonly refusals: () => Readonly<Record<RefusalReason, number>>;
  readonly version: string;
}

export interface ProxyMetrics {
  readonly registry: Registry;
  /** Give to createApp's observers: counts each finished request. */
  readonly observer: RequestObserver;
  /** Give to the PKCS#11 backends: one observation per HSM call (docs/hsm.md "Metrics"). */
  readonly hsmCall: (operation: string, seconds: number, outcome: string) => void;
}

const HEALTH_STATUSES = ['ACTIVE', 'DEGRADED', 'UNAVAILABLE', 'BLOCKED'] as const;

export function createProxyMetrics(sources: MetricSources): ProxyMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'xks_requests_total',
    help: 'XKS API requests by key store, operation, outcome (ok, error, refused, aborted) and errorName',
    labelNames: ['key_store', 'operation', 'outcome', 'error_name'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'xks_request_duration_seconds',
    help: 'Time from the first byte of the request to the end of the response, per XKS operation',
    labelNames: ['operation'] as const,
    buckets: [...DURATION_BUCKETS_SECONDS],
    registers,
  });
  new Counter({
    name: 'xks_refusals_total',
    help: 'Requests or connections refused or cut short by a limit (connections, pipelining, slow_body, quota, concurrency, ...)',
    labelNames: ['limit'] as const,
    registers,
    collect() {
      // The refusal counters only grow: their values since start are this counter's.
      const counts = sources.refusals();
      this.reset();
      for (const reason of REFUSAL_REASONS) this.inc({ limit: refusalLabel(reason) }, counts[reason]);
    },
  });
  const sigv4Failures = new Counter({
    name: 'xks_sigv4_failures_total',
    help: 'Requests refused with AuthenticationFailedException, by key store and SigV4 failure reason',
    labelNames: ['key_store', 'reason'] as const,
    registers,
  });
  const authzDenials = new Counter({
    name: 'xks_authorization_denials_total',
    help: 'Requests denied by secondary authorization, by key store and deciding policy rule',
    labelNames: ['key_store', 'rule'] as const,
    registers,
  });

  new Gauge({
    name: 'xks_requests_in_flight',
    help: 'XKS API requests being processed',
    registers,
    collect() {
      this.set(sources.inFlight());
    },
  });
  new Gauge({
    name: 'xks_open_connections',
    help: 'Open client connections on the XKS listener',
    registers,
    async collect() {
      this.set(await sources.openConnections());
    },
  });
  new Gauge({
    name: 'xks_build_info',
    help: 'Always 1; the labels say which build runs',
    labelNames: ['version', 'node_version'] as const,
    aggregator: 'first',
    registers,
  }).set({ version: sources.version, node_version: process.version }, 1);

  // State read from the status at scrape time.
  new Gauge({
    name: 'xks_credential_last_used_timestamp_seconds',
    help: 'When an access key id last signed a request that authenticated (Unix time); absent when never used since start',
    labelNames: ['key_store', 'access_key_id'] as const,
    aggregator: 'max',
    registers,
    collect() {
      this.reset();
      for (const store of sources.status().keyStores) {
        for (const c of store.credentials) {
          if (c.lastUsedAt !== undefined) this.set({ key_store: store.name, access_key_id: c.accessKeyId }, Date.parse(c.lastUsedAt) / 1000);
        }
      }
    },
  });
  new Gauge({
    name: 'xks_key_store_health_status',
    help: 'Deep health status per key store: the number of proxy processes that report this status (1 per worker)',
    labelNames: ['key_store', 'status'] as const,
    registers,
    collect() {
      this.reset();
      for (const store of sources.status().keyStores) {
        for (const status of HEALTH_STATUSES) this.set({ key_store: store.name, status }, store.health === status ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'xks_key_file_problems',
    help: 'Key files of a key store that failed to load (see xks status for the files and reasons)',
    labelNames: ['key_store'] as const,
    aggregator: 'max',
    registers,
    collect() {
      this.reset();
      for (const store of sources.status().keyStores) this.set({ key_store: store.name }, store.keyFileProblems.length);
    },
  });
  new Gauge({
    name: 'xks_keys',
    help: 'Keys a key store serves',
    labelNames: ['key_store'] as const,
    aggregator: 'max',
    registers,
    collect() {
      this.reset();
      for (const store of sources.status().keyStores) this.set({ key_store: store.name }, store.keys);
    },
  });

  const hsmCalls = new Histogram({
    name: 'xks_hsm_call_duration_seconds',
    help: 'PKCS#11 work of one request (session wait included) by operation (encrypt, decrypt, lookup, probe) and outcome (ok, error, deadline)',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [...DURATION_BUCKETS_SECONDS],
    registers,
  });
  const hsmStores = () => sources.status().keyStores.flatMap((s) => (s.backend?.kind === 'pkcs11' ? [{ name: s.name, b: s.backend }] : []));
  new Gauge({
    name: 'xks_hsm_sessions',
    help: 'PKCS#11 sessions of an HSM key store: open, in_use, max (the pool bound) and waiting requests',
    labelNames: ['key_store', 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const { name, b } of hsmStores()) {
        this.set({ key_store: name, state: 'open' }, b.sessionsOpen ?? 0);
        this.set({ key_store: name, state: 'in_use' }, b.sessionsInUse ?? 0);
        this.set({ key_store: name, state: 'max' }, b.sessionsMax ?? 0);
        this.set({ key_store: name, state: 'waiting' }, b.waiting ?? 0);
      }
    },
  });
  new Counter({
    name: 'xks_hsm_events_total',
    help: 'PKCS#11 events of an HSM key store since start: deadline_exceeded (DependencyTimeoutException), device_error, reinitialization',
    labelNames: ['key_store', 'event'] as const,
    registers,
    collect() {
      this.reset();
      for (const { name, b } of hsmStores()) {
        this.inc({ key_store: name, event: 'deadline_exceeded' }, b.deadlineExceeded ?? 0);
        this.inc({ key_store: name, event: 'device_error' }, b.deviceErrors ?? 0);
        this.inc({ key_store: name, event: 'reinitialization' }, b.reinitializations ?? 0);
      }
    },
  });
  new Gauge({
    name: 'xks_hsm_available',
    help: '1 when the HSM key store can serve, 0 while its token is unavailable (re-initialising with backoff)',
    labelNames: ['key_store', 'token'] as const,
    registers,
    collect() {
      this.reset();
      for (const { name, b } of hsmStores()) this.set({ key_store: name, token: b.token ?? '' }, b.unavailableReason === undefined ? 1 : 0);
    },
  });

  return {
    registry,
    hsmCall: (operation, seconds, outcome) => hsmCalls.observe({ operation, outcome }, seconds),
    observer({ fields, outcome, durationMs }) {
      const keyStore = fields.keyStore ?? '';
      const operation = fields.operation ?? '';
      requests.inc({ key_store: keyStore, operation, outcome, error_name: fields.errorName ?? '' });
      duration.observe({ operation }, durationMs / 1000);
      if (fields.sigv4Failure !== undefined) sigv4Failures.inc({ key_store: keyStore, reason: fields.sigv4Failure });
      if (fields.authzDecision === 'deny') authzDenials.inc({ key_store: keyStore, rule: fields.authzRule ?? '' });
    },
  };
}
