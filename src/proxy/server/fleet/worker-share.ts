import { availableParallelism } from 'node:os';
import type { ProxyConfig } from '../../config/load-config.js';

/** Upper bound of `workers` (config and --workers). */
export const MAX_WORKERS = 256;

/** The number of worker processes: `auto` = one per core (os.availableParallelism()). */
export function resolveWorkerCount(workers: number | 'auto' | undefined, cores: () => number = availableParallelism): number {
  if (workers === 'auto') return Math.min(MAX_WORKERS, Math.max(1, cores()));
  return workers ?? 1;
}

/** Parse the --workers option: an integer 1..256 or `auto`. */
export function parseWorkersOption(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > MAX_WORKERS) {
    throw new Error(`--workers must be an integer from 1 to ${MAX_WORKERS} or "auto" (got "${value.slice(0, 32)}")`);
  }
  return Number(value);
}

/**
 * spec A2 / C8 across workers (docs/operations.md, "Quotas across workers"): each worker keeps its own token bucket,
 * with 1/N of the key store's rate and 1/N of its burst (rounded down, at least 1 token). No request waits on
 * another process, and the host never admits more than the configured rate in the long run; a worker that gets more
 * than its share of the connections is throttled earlier than the whole host would be.
 */
export function shareQuotas(config: ProxyConfig, workers: number): ProxyConfig {
  if (workers <= 1) return config;
  return Object.freeze({
    ...config,
    keyStores: Object.freeze(
      config.keyStores.map((store) =>
        Object.freeze({
          ...store,
          quota: Object.freeze({ requestsPerSecond: store.quota.requestsPerSecond / workers, burst: Math.max(1, Math.floor(store.quota.burst / workers)) }),
        }),
      ),
    ),
  });
}

/** Delay before restarting a worker that died: 250 ms doubling per consecutive crash, at most 30 s. */
export function restartDelayMs(consecutiveCrashes: number): number {
  return Math.min(30_000, 250 * 2 ** Math.max(0, consecutiveCrashes - 1));
}

/** A worker that ran at least this long before dying starts the backoff afresh. */
export const STABLE_WORKER_MS = 10_000;
