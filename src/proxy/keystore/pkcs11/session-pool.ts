/**
 * A bounded pool of PKCS#11 sessions (docs/hsm.md "Sessions"). At most `max` sessions are open; a request waits for
 * one until its deadline, then gets PoolTimeoutError (the backend answers DependencyTimeoutException, which KMS
 * retries). Opening a session logs in (once per session). Generic over the session type so it is tested alone.
 */
export class PoolTimeoutError extends Error {
  override readonly name = 'PoolTimeoutError';
}

export interface PoolStats {
  readonly open: number;
  readonly inUse: number;
  readonly max: number;
  readonly waiting: number;
}

export interface SessionPool<S> {
  /** A session for the caller alone, or PoolTimeoutError when none is free by `deadlineAt` (epoch ms of `now`). */
  acquire(deadlineAt: number): Promise<S>;
  /** Give the session back; `discard` closes it (its state is unknown after a session or device error). */
  release(session: S, discard: boolean): void;
  /** Close every idle session now and every busy one when it comes back (device error, re-initialisation). */
  discardAll(): void;
  stats(): PoolStats;
}

interface Waiter<S> {
  readonly resolve: (s: S) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export function createSessionPool<S>(options: { max: number; open: () => S; close: (s: S) => void; now: () => number }): SessionPool<S> {
  const idle: S[] = [];
  const busy = new Map<S, number>(); // session -> generation it was opened in
  const generationOf = new Map<S, number>();
  const waiters: Waiter<S>[] = [];
  let generation = 0;

  function closeQuietly(s: S): void {
    generationOf.delete(s);
    try {
      options.close(s);
    } catch {
      // closing a session of a broken token fails too; the session is gone either way
    }
  }

  function openOne(): S {
    const s = options.open();
    generationOf.set(s, generation);
    return s;
  }

  function take(s: S): S {
    busy.set(s, generationOf.get(s) ?? generation);
    return s;
  }

  function serveWaiter(): void {
    const waiter = waiters.shift();
    if (waiter === undefined) return;
    clearTimeout(waiter.timer);
    const ready = idle.pop();
    if (ready !== undefined) {
      waiter.resolve(take(ready));
      return;
    }
    try {
      waiter.resolve(take(openOne()));
    } catch (error) {
      waiter.reject(error as Error);
    }
  }

  return {
    acquire(deadlineAt) {
      const ready = idle.pop();
      if (ready !== undefined) return Promise.resolve(take(ready));
      if (busy.size < options.max) {
        try {
          return Promise.resolve(take(openOne()));
        } catch (error) {
          return Promise.reject(error as Error);
        }
      }
      return new Promise<S>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          reject(new PoolTimeoutError(`no PKCS#11 session free within the deadline (${options.max} in use)`));
        }, Math.max(0, deadlineAt - options.now()));
        const waiter: Waiter<S> = { resolve, reject, timer };
        waiters.push(waiter);
      });
    },
    release(session, discard) {
      const gen = busy.get(session);
      if (gen === undefined) return;
      busy.delete(session);
      if (discard || gen !== generation) closeQuietly(session);
      else idle.push(session);
      if (waiters.length > 0 && busy.size < options.max) serveWaiter();
    },
    discardAll() {
      generation++;
      for (const s of idle.splice(0)) closeQuietly(s);
    },
    stats: () => ({ open: idle.length + busy.size, inUse: busy.size, max: options.max, waiting: waiters.length }),
  };
}
