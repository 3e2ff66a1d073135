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

/** The wire shape: `{ <member>: items, Truncated, NextMarker? }`. */
export function pageOutput<T, M extends string>(member: M, page: Page<T>): { readonly [K in M]: T[] } & { readonly Truncated: boolean; readonly NextMarker?: string } {
  return { [member]: page.items, Truncated: page.Truncated, ...(page.NextMarker !== undefined && { NextMarker: page.NextMarker }) } as { readonly [K in M]: T[] } & { readonly Truncated: boolean; readonly NextMarker?: string };
}
