/**
 * The one way tests wait for something: call `probe` until it returns a value (anything but undefined or false) and
 * return that value. The deadline is a hang guard, not a timing assertion: generous by default, so a busy machine
 * makes a test slower instead of failing it.
 */
export interface PollOptions {
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Pause between two probes (default 20 ms). */
  readonly intervalMs?: number;
  /** Added to the time-out error: what was seen last, so a failure says why. */
  readonly describe?: () => string;
}

export async function pollUntil<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, options: PollOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const last = options.describe === undefined ? '' : `; last seen: ${options.describe()}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}
