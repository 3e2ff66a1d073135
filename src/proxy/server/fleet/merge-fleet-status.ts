import type { KeyStoreStatus, ProxyStatus, WorkerStatus } from '../../admin/proxy-status.js';

const HEALTH_RANK: Readonly<Record<string, number>> = { ACTIVE: 0, DEGRADED: 1, UNAVAILABLE: 2, BLOCKED: 3 };
const rank = (health: string) => HEALTH_RANK[health] ?? 2;

type Backend = NonNullable<KeyStoreStatus['backend']>;
/** Per-process counts of an HSM backend (docs/hsm.md): each worker has its own sessions and counters. */
const SUMMED = ['sessionsOpen', 'sessionsInUse', 'sessionsMax', 'waiting', 'deadlineExceeded', 'deviceErrors', 'reinitializations', 'keyCopies'] as const;

/**
 * The fleet's HSM backend: the token is the workers' shared one; sessions and counters are summed over the workers
 * (each process opens its own sessions and logs in on its own); the HSM is unavailable to the fleet with the first
 * reason a worker gives. Undefined when no worker reports a backend.
 */
export function mergeBackend(backends: readonly (Backend | undefined)[]): Backend | undefined {
  const present = backends.filter((b): b is Backend => b !== undefined);
  const [first] = present;
  if (first === undefined || first.kind !== 'pkcs11') return first;
  const sums: Partial<Record<(typeof SUMMED)[number], number>> = {};
  for (const field of SUMMED) {
    if (present.some((b) => b[field] !== undefined)) sums[field] = present.reduce((total, b) => total + (b[field] ?? 0), 0);
  }
  const unavailable = present.find((b) => b.unavailableReason !== undefined)?.unavailableReason;
  const { unavailableReason: _firstReason, ...rest } = first;
  return { ...rest, ...sums, ...(unavailable !== undefined && { unavailableReason: unavailable }) };
}

function mergeStore(views: readonly KeyStoreStatus[]): KeyStoreStatus {
  const [first] = views;
  if (first === undefined) throw new Error('no view of the key store');
  const worst = views.reduce((a, b) => (rank(b.health) > rank(a.health) ? b : a));
  const backend = mergeBackend(views.map((v) => v.backend));
  return {
    ...first,
    ...(backend !== undefined && { backend }),
    health: worst.health,
    ...(worst.healthCheck !== undefined && { healthCheck: worst.healthCheck }),
    credentials: first.credentials.map((c) => {
      let lastUsedAt: string | undefined;
      let requestCount = 0;
      for (const view of views) {
        const use = view.credentials.find((v) => v.accessKeyId === c.accessKeyId);
        if (use?.lastUsedAt !== undefined && (lastUsedAt === undefined || use.lastUsedAt > lastUsedAt)) lastUsedAt = use.lastUsedAt;
        requestCount += use?.requestCount ?? 0;
      }
      return { accessKeyId: c.accessKeyId, ...(lastUsedAt !== undefined && { lastUsedAt, requestCount }) };
    }),
  };
}

/**
 * The fleet's status for `xks status`: every worker's own view under `workers`, and the top-level fields merged
 * over the workers that answered: per key store the worst health (a worker that cannot serve is what matters), the
 * latest credential use and the summed request counts, an HSM backend's sessions and counters summed. Workers share
 * the configuration, so the rest is the first's.
 */
export function mergeFleetStatus(workers: readonly WorkerStatus[]): ProxyStatus {
  const answered = workers.flatMap((w) => (w.status === undefined ? [] : [w.status]));
  const [first] = answered;
  if (first === undefined) return { configSource: '', loadedAt: '', loadReason: 'no worker answered', keyStores: [], workers };
  return {
    configSource: first.configSource,
    loadedAt: answered.reduce((a, s) => (s.loadedAt > a ? s.loadedAt : a), first.loadedAt),
    loadReason: first.loadReason,
    ...(first.rejectedReload !== undefined && { rejectedReload: first.rejectedReload }),
    keyStores: first.keyStores.map((store) =>
      mergeStore(answered.flatMap((s) => s.keyStores.filter((k) => k.name === store.name))),
    ),
    workers,
  };
}
