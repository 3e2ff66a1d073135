import { SigV4Error } from './sigv4-error.js';

/** Header values by lowercase name, in the order received. */
export type HeaderValues = ReadonlyMap<string, readonly string[]>;

/**
 * Group Node's `req.rawHeaders` (`[name, value, name, value, ...]`) by lowercase name, keeping every
 * occurrence: SigV4 matches names case-insensitively and joins repeated values (spec A12), and the
 * verifier must see duplicates to reject them. Throws SigV4Error('malformed') on an odd-length list.
 */
export function collectHeaders(rawHeaders: readonly string[]): HeaderValues {
  if (rawHeaders.length % 2 !== 0) {
    throw new SigV4Error('malformed', `rawHeaders has odd length ${rawHeaders.length}; expected name/value pairs`);
  }
  const headers = new Map<string, string[]>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const value = rawHeaders[i + 1] ?? '';
    const values = headers.get(name);
    if (values === undefined) headers.set(name, [value]);
    else values.push(value);
  }
  return headers;
}
