/**
 * Limit/Marker pagination of the KMS List* operations: the marker is opaque to callers (here: base64 of the id
 * of the first item of the next page), an unknown marker is InvalidMarkerException, NextMarker appears only when
 * Truncated is true.
 */
import { MARKER } from '../custom-key-stores/custom-key-store-rules.js';
import { kmsError } from '../wire/kms-exceptions.js';
import { optionalInteger, optionalString, type JsonObject } from '../wire/fields.js';

export interface Page<T> {
  readonly items: T[];
  readonly Truncated: boolean;
  readonly NextMarker?: string;
}

export function paginate<T>(all: readonly T[], body: JsonObject, idOf: (item: T) => string, limits: { readonly defaultLimit: number; readonly maxLimit: number }): Page<T> {
  const limit = optionalInteger(body, 'Limit', 1, limits.maxLimit) ?? limits.defaultLimit;
  const marker = optionalString(body, 'Marker', MARKER);
  let start = 0;
  if (marker !== undefined) {
    const id = Buffer.from(marker, 'base64').toString('utf8');
    start = all.findIndex((item) => idOf(item) === id);
    if (start < 0) throw kmsError.InvalidMarkerException('The marker that specifies where pagination should next begin is not valid.');
  }
  const items = all.slice(start, start + limit);
  const next = all[start + limit];
  return next === undefined ? { items, Truncated: false } : { items, Truncated: true, NextMarker: Buffer.from(idOf(next)).toString('base64') };
}

/**
 * The same pages, read from an index (the store's PageReader) instead of a list of everything: the marker's item
 * is looked up, then `Limit + 1` items from it. `keep` drops items the index cannot (keys whose deletion date
 * passed); the page is then completed from further reads.
 */
export function paginateKeyed<T>(
  body: JsonObject,
  read: (startId: string | undefined, count: number) => T[] | undefined,
  idOf: (item: T) => string,
  limits: { readonly defaultLimit: number; readonly maxLimit: number },
  keep: (item: T) => boolean = () => true,
): Page<T> {
  const limit = optionalInteger(body, 'Limit', 1, limits.maxLimit) ?? limits.defaultLimit;
  const marker = optionalString(body, 'Marker', MARKER);
  let start = marker === undefined ? undefined : Buffer.from(marker, 'base64').toString('utf8');
  const kept: T[] = [];
  for (let first = true; ; first = false) {
    const batch = read(start, limit + 1);
    if (batch === undefined) throw kmsError.InvalidMarkerException('The marker that specifies where pagination should next begin is not valid.');
    // After the first read, `start` is the last item already seen.
    for (const item of first ? batch : batch.slice(1)) {
      if (keep(item)) kept.push(item);
      if (kept.length > limit) break;
    }
    const last = batch.at(-1);
    if (kept.length > limit || batch.length < limit + 1 || last === undefined) break;
    start = idOf(last);
  }
  const items = kept.slice(0, limit);
  const next = kept[limit];
  return next === undefined ? { items, Truncated: false } : { items, Truncated: true, NextMarker: Buffer.from(idOf(next)).toString('base64') };
}

/** The wire shape: `{ <member>: items, Truncated, NextMarker? }`. */
export function pageOutput<T, M extends string>(member: M, page: Page<T>): { readonly [K in M]: T[] } & { readonly Truncated: boolean; readonly NextMarker?: string } {
  return { [member]: page.items, Truncated: page.Truncated, ...(page.NextMarker !== undefined && { NextMarker: page.NextMarker }) } as { readonly [K in M]: T[] } & { readonly Truncated: boolean; readonly NextMarker?: string };
}
