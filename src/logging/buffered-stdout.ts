/**
 * The proxy's default log destination: stdout, in batches written synchronously (create-logger.ts).
 */
import { writeSync } from 'node:fs';
import type { DestinationStream } from 'pino';

/** A batch is written once it holds this many characters, without waiting for the end of the event-loop turn. */
const BATCH_CHARS = 8 * 1024;
/** Waiting for a reader that is behind (EAGAIN on a non-blocking stdout): ms per retry. */
const RETRY_WAIT_MS = 1;
const retryWait = new Int32Array(new SharedArrayBuffer(4));

/**
 * stdout in batches, written synchronously (as pino's default destination is): the lines logged during one turn of
 * the event loop go out together in one write at the end of that turn (setImmediate), or as soon as 8 KiB wait;
 * what is left is written when the process exits (also after an uncaught exception or a handled SIGTERM/SIGINT).
 * Measured on one core at 1800 req/s (docs/performance.md), pino's asynchronous mode, which hands every write to
 * libuv's thread pool, cost about 10-15% more CPU per request. A log reader that stops reading stops the writes,
 * and with them the proxy, rather than letting lines pile up in memory: run the proxy under something that drains
 * stdout (docs/operations.md).
 *
 * Written here rather than with pino.destination({ sync: true }).flushSync(): sonic-boom's flushSync ends with an
 * fsync, which on a pipe or /dev/null fails (an exception, ~6 µs, on every batch) and on a file waits for the disk.
 * A write that fails for another reason than EAGAIN (the reader is gone) drops the batch: there is no one to tell.
 */
export function bufferedStdout(fd = 1): DestinationStream {
  let pending = '';
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending;
    pending = '';
    writeFully(fd, text);
  };
  process.once('exit', flush);
  return {
    write(line: string): void {
      pending += line;
      if (pending.length >= BATCH_CHARS) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  };
}

/** The signature of fs.writeSync this module uses (a string at once, or the rest of a Buffer from an offset). */
export type WriteSync = (fd: number, data: string | Buffer, offset?: number) => number;

/** Write all of `text` to `fd`: the rest after a short write, again after EAGAIN (waiting 1 ms); other errors drop it. */
export function writeFully(fd: number, text: string, write: WriteSync = writeSync as WriteSync): void {
  let offset = 0;
  try {
    // Nearly always one call: the whole batch, as a string.
    offset = write(fd, text);
    if (offset >= Buffer.byteLength(text)) return;
  } catch (error) {
    if (!isEagain(error)) return;
  }
  const bytes = Buffer.from(text, 'utf8');
  while (offset < bytes.length) {
    try {
      offset += write(fd, bytes, offset);
    } catch (error) {
      if (!isEagain(error)) return;
      Atomics.wait(retryWait, 0, 0, RETRY_WAIT_MS);
    }
  }
}

function isEagain(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EAGAIN';
}
