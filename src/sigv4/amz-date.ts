import { SigV4Error, describeValue } from './sigv4-error.js';

// spec A12: X-Amz-Date is YYYYMMDD'T'HHMMSS'Z' (UTC, basic ISO 8601, no fraction).
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Format epoch milliseconds as an X-Amz-Date value (spec A12), e.g. `20240515T120000Z`. */
export function formatAmzDate(epochMs: number): string {
  if (!Number.isFinite(epochMs)) throw new RangeError(`formatAmzDate: expected a finite epoch ms, got ${epochMs}`);
  const iso = new Date(epochMs).toISOString(); // 2024-05-15T12:00:00.000Z
  if (iso.length !== 24) throw new RangeError(`formatAmzDate: year out of range 0000-9999: ${iso}`);
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/**
 * Parse an X-Amz-Date value to epoch milliseconds. Rejects any other shape and dates that do not exist
 * (`20240230T120000Z`, hour 24, second 60) with SigV4Error('malformed').
 */
let lastParsed: { readonly value: string | undefined; readonly epochMs: number } = { value: undefined, epochMs: 0 };

export function parseAmzDate(value: string): number {
  // Requests signed in the same second carry the same value: the last one parsed is remembered.
  if (value === lastParsed.value) return lastParsed.epochMs;
  const epochMs = parseUncached(value);
  lastParsed = { value, epochMs };
  return epochMs;
}

function parseUncached(value: string): number {
  const m = AMZ_DATE.exec(value);
  if (m === null) throw new SigV4Error('malformed', `X-Amz-Date ${describeValue(value)} is not YYYYMMDD'T'HHMMSS'Z'`);
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 30 February over to 1 March; a round trip shows whether every field was in range.
  if (formatAmzDate(epochMs) !== value) {
    throw new SigV4Error('malformed', `X-Amz-Date ${describeValue(value)} is not a real UTC date and time`);
  }
  return epochMs;
}
