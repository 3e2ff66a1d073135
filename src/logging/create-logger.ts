import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Redaction is defence in depth: no code path passes these to the logger (test/http/logging.test.ts proves it),
 * but if one ever did, the value is censored.
 */
export const REDACTED_PATHS: readonly string[] = Object.freeze(
  ['authorization', 'secretAccessKey', 'rawSecretAccessKey', 'RawSecretAccessKey', 'plaintext', 'Plaintext', 'material', 'keyMaterial'].flatMap(
    (name) => [name, `*.${name}`],
  ),
);

let timeMs = Number.NaN;
let timeField = '';

/** pino's isoTime (`,"time":"<ISO 8601>"`), formatted once per millisecond rather than once per line. */
function isoTimeCached(): string {
  const now = Date.now();
  if (now !== timeMs) {
    timeMs = now;
    timeField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return timeField;
}

/**
 * No module-level logger: the composition root builds one, tests pass an in-memory destination. The default
 * destination is stdout, in batches (bufferedStdout).
 */
export function createLogger(options: { level: string; service?: string }, destination?: DestinationStream): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service ?? 'xks-proxy' },
      timestamp: isoTimeCached,
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? bufferedStdout(),
  );
}

/** The most a batch collects before it is written at once (sonic-boom's minLength must stay below its 16 KiB maxWrite). */
const BATCH_BYTES = 8 * 1024;

/**
 * stdout in batches, written synchronously (as pino's default destination is): the lines logged during one turn of
 * the event loop go out together in one write at the end of that turn (setImmediate), or as soon as 8 KiB wait;
 * what is left is written when the process exits (also after an uncaught exception or a handled SIGTERM/SIGINT).
 * Measured on one core at 1800 req/s (docs/performance.md), pino's asynchronous mode, which hands every write to
 * libuv's thread pool, cost about 10-15% more CPU per request. A log reader that stops reading stops the writes,
 * and with them the proxy, rather than letting lines pile up in memory: run the proxy under something that drains
 * stdout (docs/operations.md).
 */
function bufferedStdout(): DestinationStream {
  const stream = pino.destination({ dest: 1, sync: true, minLength: BATCH_BYTES });
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    stream.flushSync();
  };
  process.once('exit', () => stream.flushSync());
  return {
    write(line: string): void {
      stream.write(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  };
}

/**
 * The logger for the one line per request. That line is built only from RequestLogFields (ids, names, reasons;
 * src/http/request-log.ts), none of which can hold a secret or payload, so it skips the redaction pass, which
 * with wildcard paths walks every field of every line. Every other line keeps the parent's redaction.
 */
export function requestLineLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] } });
}
