import { createTokenBucket, type TokenBucket } from './token-bucket.js';

/**
 * Throttling state that outlives configuration reloads: one token bucket per key store (keyed by store name) and a
 * global count of requests in progress. Limits are passed in on each call, so a reload changes them at once.
 */
export interface RequestThrottle {
  /** Take a token from the store's bucket; false = over quota. */
  tryQuota(keyStore: string, quota: { readonly requestsPerSecond: number; readonly burst: number }): boolean;
  /** Enter the global concurrency bound; returns a release function, or undefined when the bound is reached. */
  tryEnter(maxConcurrent: number): (() => void) | undefined;
  readonly inFlight: number;
}

export function createRequestThrottle(clock: () => number): RequestThrottle {
  const buckets = new Map<string, { bucket: TokenBucket; rate: number; burst: number }>();
  let inFlight = 0;
  return {
    tryQuota(keyStore, quota) {
      let entry = buckets.get(keyStore);
      if (entry === undefined) {
        entry = { bucket: createTokenBucket(quota.requestsPerSecond, quota.burst, clock), rate: quota.requestsPerSecond, burst: quota.burst };
        buckets.set(keyStore, entry);
      } else if (entry.rate !== quota.requestsPerSecond || entry.burst !== quota.burst) {
        entry.bucket.reconfigure(quota.requestsPerSecond, quota.burst);
        entry.rate = quota.requestsPerSecond;
        entry.burst = quota.burst;
      }
      return entry.bucket.tryTake();
    },
    tryEnter(maxConcurrent) {
      if (inFlight >= maxConcurrent) return undefined;
      inFlight += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inFlight -= 1;
      };
    },
    get inFlight() {
      return inFlight;
    },
  };
}
