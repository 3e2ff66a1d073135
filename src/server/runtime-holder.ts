import type { ProxyRuntime } from '../http/proxy-runtime.js';

/**
 * The one mutable cell of a running proxy: the current runtime (config, key stores, credentials). Requests read
 * `current()` once at their start, so a swap never changes a request in flight; reloads (config file, SIGHUP, key
 * directory changes) build a complete new runtime and swap it in atomically.
 */
export interface RuntimeHolder {
  current(): ProxyRuntime;
  swap(next: ProxyRuntime, reason: string): void;
  /** When the current runtime was installed (epoch ms) and why. */
  readonly loadedAt: number;
  readonly loadReason: string;
}

export function createRuntimeHolder(initial: ProxyRuntime, clock: () => number, onSwap?: (next: ProxyRuntime, reason: string) => void): RuntimeHolder {
  let runtime = initial;
  let loadedAt = clock();
  let loadReason = 'start';
  return {
    current: () => runtime,
    swap(next, reason) {
      runtime = next;
      loadedAt = clock();
      loadReason = reason;
      onSwap?.(next, reason);
    },
    get loadedAt() {
      return loadedAt;
    },
    get loadReason() {
      return loadReason;
    },
  };
}
