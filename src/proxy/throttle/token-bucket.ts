/**
 * A token bucket: `capacity` tokens, refilled at `ratePerSecond`. Pure apart from the injected clock; tryTake never
 * waits (spec A2 / C8: over quota is answered at once with ThrottlingException, never queued).
 */
export interface TokenBucket {
  tryTake(): boolean;
  /** Change rate/capacity (a reload); the current fill is kept, clamped to the new capacity. */
  reconfigure(ratePerSecond: number, capacity: number): void;
}

export function createTokenBucket(ratePerSecond: number, capacity: number, clock: () => number): TokenBucket {
  let rate = ratePerSecond;
  let cap = capacity;
  let tokens = capacity;
  let last = clock();
  const refill = () => {
    const now = clock();
    if (now > last) tokens = Math.min(cap, tokens + ((now - last) / 1000) * rate);
    last = now;
  };
  return {
    tryTake() {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    reconfigure(nextRate, nextCapacity) {
      refill();
      rate = nextRate;
      cap = nextCapacity;
      tokens = Math.min(tokens, cap);
    },
  };
}
