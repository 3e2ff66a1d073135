import { pino, type DestinationStream, type Logger } from 'pino';
import { bufferedStdout } from './buffered-stdout.js';

export type { Logger } from 'pino';

/**
 * Redaction is defence in depth: no code path passes these to the logger (test/http/proxy/logging.test.ts proves it),
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

/**
 * The logger for the one line per request. That line is built only from RequestLogFields (ids, names, reasons;
 * src/proxy/http/request-log.ts), none of which can hold a secret or payload, so it skips the redaction pass, which
 * with wildcard paths walks every field of every line. Every other line keeps the parent's redaction.
 */
export function requestLineLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] } });
}
