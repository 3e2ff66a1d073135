import type { KeyStoreStatus, ProxyStatus, WorkerStatus } from '../../admin/proxy-status.js';

const HEALTH_RANK: Readonly<Record<string, number>> = { ACTIVE: 0, DEGRADED: 1, UNAVAILABLE: 2, BLOCKED: 3 };
const rank = (health: string) => HEALTH_RANK[health] ?? 2;

function mergeStore(views: readonly KeyStoreStatus[]): KeyStoreStatus {
  const [first] = views;
  if (first === undefined) throw new Error('no view of the key store');
  const worst = views.reduce((a, b) => (rank(b.health) > rank(a.health) ? b : a));
  return {
    ...first,
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
 * latest credential use and the summed request counts. Workers share the configuration, so the rest is the first's.
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
