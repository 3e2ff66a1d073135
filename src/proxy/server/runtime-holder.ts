import type { ProxyRuntime } from '../http/proxy-runtime.js';

/** A configuration reload that was refused: the runtime kept serving; `xks status` shows it until one succeeds. */
export interface RejectedReload {
  /** Epoch ms. */
  readonly at: number;
  readonly reason: string;
  readonly problems: readonly string[];
}

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
  /** The last configuration reload that was refused since the last one that succeeded. */
  readonly rejectedReload: RejectedReload | undefined;
  /** Record a refused configuration reload (undefined: a configuration reload succeeded). */
  recordRejectedReload(rejected: RejectedReload | undefined): void;
}

export function createRuntimeHolder(initial: ProxyRuntime, clock: () => number, onSwap?: (next: ProxyRuntime, reason: string) => void): RuntimeHolder {
  let runtime = initial;
  let loadedAt = clock();
  let loadReason = 'start';
  let rejectedReload: RejectedReload | undefined;
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
    get rejectedReload() {
      return rejectedReload;
    },
    recordRejectedReload(rejected) {
      rejectedReload = rejected;
    },
  };
}
