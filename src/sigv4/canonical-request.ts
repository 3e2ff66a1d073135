import { SigV4Error, describeValue } from './sigv4-error.js';
import type { HeaderValues } from './collect-headers.js';

export interface CanonicalRequestInput {
  readonly method: string;
  /** The path as received, used verbatim as the canonical URI (spec A2/A12: XKS paths are unreserved characters only). */
  readonly path: string;
  /** Raw query string without '?', '' when none (spec A2: no XKS API uses one). */
  readonly query: string;
  readonly headers: HeaderValues;
  /** Lowercase, sorted, as listed in SignedHeaders. */
  readonly signedHeaders: readonly string[];
  /** hex SHA-256 of the raw body, see hashPayload. */
  readonly payloadHash: string;
}

/**
 * spec A12: method \n canonical URI \n canonical query \n canonical headers \n signed headers \n payload hash,
 * where the canonical headers block is `name:value\n` per signed header (so it ends with a blank line).
 */
export function buildCanonicalRequest(input: CanonicalRequestInput): string {
  return buildCanonicalRequestPrefix(input) + input.payloadHash;
}

/**
 * The canonical request without its last line (the payload hash), ending with '\n': all that the headers decide,
 * so a verifier builds it once before the body arrives and appends the body's hash after (authenticateHeaders).
 */
export function buildCanonicalRequestPrefix(input: Omit<CanonicalRequestInput, 'payloadHash'>): string {
  const query = buildCanonicalQuery(input.query);
  const headers = buildCanonicalHeaders(input.headers, input.signedHeaders);
  return `${input.method}\n${input.path}\n${query}\n${headers}\n${input.signedHeaders.join(';')}\n`;
}

/**
 * Canonical query: each name and value decoded once, then RFC 3986-encoded (only A-Z a-z 0-9 - _ . ~ kept,
 * hex uppercase), pairs sorted by name then value, joined with '&'. A '+' is a literal plus (RFC 3986), not a
 * space. Empty segments ("a=1&&b=2") are ignored. Throws SigV4Error('malformed') on a bad percent-escape.
 */
export function buildCanonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs: [string, string][] = [];
  for (const segment of query.split('&')) {
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    const name = eq < 0 ? segment : segment.slice(0, eq);
    const value = eq < 0 ? '' : segment.slice(eq + 1);
    pairs.push([encodeRfc3986(decodeQueryPart(name)), encodeRfc3986(decodeQueryPart(value))]);
  }
  pairs.sort(([an, av], [bn, bv]) => compareCodePoints(an, bn) || compareCodePoints(av, bv));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/**
 * Canonical headers block: for each signed header, `name:values\n`, the values of every occurrence trimmed,
 * inner whitespace runs collapsed to one space, joined with ','. Throws SigV4Error('missing-header') when a
 * signed header is absent.
 */
export function buildCanonicalHeaders(headers: HeaderValues, signedHeaders: readonly string[]): string {
  let block = '';
  for (const name of signedHeaders) {
    const values = headers.get(name);
    if (values === undefined) throw new SigV4Error('missing-header', `signed header ${describeValue(name)} is not in the request`);
    block += `${name}:${values.map(normalizeHeaderValue).join(',')}\n`;
  }
  return block;
}

function normalizeHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new SigV4Error('malformed', `query component ${describeValue(part)} has an invalid percent-escape`);
  }
}

function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
