/**
 * Persistence for the emulator in SQLite (better-sqlite3): custom key stores, KMS keys (with policy, tags,
 * rotation and wrapped material versions), aliases and grants. `createKmsStateStore(':memory:')` gives the
 * in-memory store tests use; a path gives a file that survives restarts. Rows keep the record as JSON beside the
 * indexed columns. Older files are migrated on open (state-migrations.ts).
 *
 * Every lookup the KMS API makes per request goes through an index (no call reads every key, alias or grant):
 * pages are read from a start item (keyset pagination: the item's position in the index, then LIMIT), grants per
 * key are counted by triggers. The `list*` methods that read everything are for the status view, tools and tests.
 */
import Database from 'better-sqlite3';
import { chmodSync, existsSync } from 'node:fs';
import type { AliasRecord, CustomKeyStoreRecord, GrantRecord, KeyMaterialVersion, KmsKeyRecord } from './records.js';
import { migrateStateFile } from './state-migrations.js';
import { STATE_QUERIES as SQL } from './state-queries.js';
import { unwrapMaterial, wrapMaterial } from './state-file-wrapping.js';

/** What ListKeys and the liveness checks need of a key, read without unwrapping its material. */
export interface KeySummary {
  readonly keyId: string;
  readonly arn: string;
  readonly keyState: KmsKeyRecord['keyState'];
  readonly deletionDate: number | undefined;
}

/**
 * Reads up to `count` items in list order, starting at the item whose id is `startId` (inclusive; from the first
 * item when undefined); undefined when no item of this list has that id.
 */
export type PageReader<T> = (startId: string | undefined, count: number) => T[] | undefined;

/** Which grants a page lists: those of a key (optionally of one grantee), or those a principal may retire. */
export type GrantFilter = { readonly keyId: string; readonly granteePrincipal?: string } | { readonly retiringPrincipal: string };

export interface KmsStateStore {
  listCustomKeyStores(): CustomKeyStoreRecord[];
  getCustomKeyStore(id: string): CustomKeyStoreRecord | undefined;
  putCustomKeyStore(record: CustomKeyStoreRecord): void;
  deleteCustomKeyStore(id: string): void;
  listKeys(): KmsKeyRecord[];
  getKey(keyId: string): KmsKeyRecord | undefined;
  putKey(record: KmsKeyRecord): void;
  /** Also removes the key's aliases and grants, as KMS does when a key is deleted. */
  deleteKey(keyId: string): void;
  /** Keys in ListKeys order (creation, then key id). */
  readKeys: PageReader<KeySummary>;
  getKeySummary(keyId: string): KeySummary | undefined;
  /** Whether a key of this custom key store has this XksKeyId (spec B10: one KMS key per external key). */
  hasXksKey(customKeyStoreId: string, xksKeyId: string): boolean;
  /** Keys of a custom key store, up to `atMost` (DeleteCustomKeyStore only needs to know there are some). */
  countKeysOfStore(customKeyStoreId: string, atMost: number): number;
  listAliases(): AliasRecord[];
  /** Aliases by name; of one key when keyId is given. */
  readAliases(keyId: string | undefined): PageReader<AliasRecord>;
  /** Aliases of a key other than `except` (the quota check of CreateAlias and UpdateAlias). */
  countAliasesOfKey(keyId: string, except: string): number;
  getAlias(aliasName: string): AliasRecord | undefined;
  putAlias(record: AliasRecord): void;
  deleteAlias(aliasName: string): void;
  /** All grants, or those of one key; oldest first. */
  listGrants(keyId?: string): GrantRecord[];
  getGrant(grantId: string): GrantRecord | undefined;
  getGrantByToken(grantToken: string): GrantRecord | undefined;
  /** The grants of a key with this name (CreateGrant's idempotency check). */
  grantsNamed(keyId: string, name: string): GrantRecord[];
  /** Grants of a key, kept by triggers (the quota check of CreateGrant). */
  countGrants(keyId: string): number;
  /** Grants in creation order. */
  readGrants(filter: GrantFilter): PageReader<GrantRecord>;
  putGrant(record: GrantRecord): void;
  deleteGrant(grantId: string): void;
  /** The schema migrations applied when this file was opened (empty when it was current). */
  readonly migrationsApplied: readonly number[];
  close(): void;
}

/** An item's place in an index ordered by (created, id). */
type Position = { readonly created: number; readonly id: string };
/** The lowest position: every row's (created, id) is at or after it. */
const FIRST: Position = { created: -Infinity, id: '' };
type SummaryRow = { key_id: string; arn: string; state: KmsKeyRecord['keyState']; deletion: number | null };
const toSummary = (r: SummaryRow): KeySummary => ({ keyId: r.key_id, arn: r.arn, keyState: r.state, deletionDate: r.deletion ?? undefined });

type MaterialJson = Omit<KeyMaterialVersion, 'material'> & { wrapped: string };
type KeyJson = Omit<KmsKeyRecord, 'materials'> & { materials: MaterialJson[] };

/** JSON has no undefined: absent optional members come back as undefined, never null. */
function orUndefined<T>(v: T | null | undefined): T | undefined {
  return v ?? undefined;
}

function parseStore(doc: string): CustomKeyStoreRecord {
  const o = JSON.parse(doc) as CustomKeyStoreRecord;
  return { ...o, vpcEndpointServiceName: orUndefined(o.vpcEndpointServiceName), vpcEndpointServiceOwner: orUndefined(o.vpcEndpointServiceOwner), connectionErrorCode: orUndefined(o.connectionErrorCode) };
}

export function createKmsStateStore(location: string): KmsStateStore {
  const isFile = location !== ':memory:';
  const fresh = isFile && !existsSync(location);
  const db = new Database(location);
  // The file holds key material and proxy secrets: owner-only.
  if (fresh) chmodSync(location, 0o600);
  db.pragma('journal_mode = WAL');
  const migrationsApplied = migrateStateFile(db);
  const wrappingKey = Buffer.from(db.prepare<[], { value: string }>("SELECT value FROM meta WHERE name = 'wrapping_key'").get()?.value ?? '', 'base64');
  if (wrappingKey.length !== 32) throw new Error('the state file has no valid wrapping key');

  const parseKey = (doc: string): KmsKeyRecord => {
    const o = JSON.parse(doc) as KeyJson;
    return {
      ...o,
      customKeyStoreId: orUndefined(o.customKeyStoreId),
      xksKeyId: orUndefined(o.xksKeyId),
      deletionDate: orUndefined(o.deletionDate),
      pendingWindowInDays: orUndefined(o.pendingWindowInDays),
      rotation: { enabled: o.rotation.enabled, periodInDays: orUndefined(o.rotation.periodInDays), nextRotationDate: orUndefined(o.rotation.nextRotationDate) },
      materials: o.materials.map((m) => ({ version: m.version, id: m.id, createdAt: m.createdAt, rotationType: orUndefined(m.rotationType), material: unwrapMaterial(wrappingKey, o.keyId, m.version, m.wrapped) })),
    };
  };

  const q = {
    listStores: db.prepare<[], { doc: string }>(SQL.listStores),
    getStore: db.prepare<[string], { doc: string }>(SQL.getStore),
    putStore: db.prepare<[string, number, string]>(SQL.putStore),
    delStore: db.prepare<[string]>(SQL.delStore),
    listKeys: db.prepare<[], { doc: string }>(SQL.listKeys),
    getKey: db.prepare<[string], { doc: string }>(SQL.getKey),
    putKey: db.prepare<[string, string, string | null, number, string]>(SQL.putKey),
    delKey: db.prepare<[string]>(SQL.delKey),
    keyPosition: db.prepare<[string], Position>(SQL.keyPosition),
    keysFirst: db.prepare<[number], SummaryRow>(SQL.keysFirst),
    keysFrom: db.prepare<[number, string, number], SummaryRow>(SQL.keysFrom),
    keySummary: db.prepare<[string], SummaryRow>(SQL.keySummary),
    hasXksKey: db.prepare<[string, string], { one: number }>(SQL.hasXksKey),
    countKeysOfStore: db.prepare<[string, number], { n: number }>(SQL.countKeysOfStore),
    listAliases: db.prepare<[], { doc: string }>(SQL.listAliases),
    getAlias: db.prepare<[string], { doc: string; key_id: string }>(SQL.getAlias),
    putAlias: db.prepare<[string, string, string]>(SQL.putAlias),
    delAlias: db.prepare<[string]>(SQL.delAlias),
    delAliasesOfKey: db.prepare<[string]>(SQL.delAliasesOfKey),
    aliasesFrom: db.prepare<[string, number], { doc: string }>(SQL.aliasesFrom),
    aliasesOfKeyFrom: db.prepare<[string, string, number], { doc: string }>(SQL.aliasesOfKeyFrom),
    countAliasesOfKey: db.prepare<[string, string], { n: number }>(SQL.countAliasesOfKey),
    listGrants: db.prepare<[], { doc: string }>(SQL.listGrants),
    listGrantsOfKey: db.prepare<[string], { doc: string }>(SQL.listGrantsOfKey),
    getGrant: db.prepare<[string], { doc: string }>(SQL.getGrant),
    grantByToken: db.prepare<[string], { doc: string }>(SQL.grantByToken),
    grantsNamed: db.prepare<[string, string], { doc: string }>(SQL.grantsNamed),
    countGrants: db.prepare<[string], { n: number }>(SQL.countGrants),
    grantPosition: db.prepare<[string], Position & { key_id: string; grantee: string; retiring: string | null }>(SQL.grantPosition),
    grantsOfKeyFrom: db.prepare<[string, number, string, number], { doc: string }>(SQL.grantsOfKeyFrom),
    grantsOfGranteeFrom: db.prepare<[string, string, number, string, number], { doc: string }>(SQL.grantsOfGranteeFrom),
    grantsOfRetiringFrom: db.prepare<[string, number, string, number], { doc: string }>(SQL.grantsOfRetiringFrom),
    putGrant: db.prepare<[string, string, number, string, string | null, string, string | null, string]>(SQL.putGrant),
    delGrant: db.prepare<[string]>(SQL.delGrant),
    delGrantsOfKey: db.prepare<[string]>(SQL.delGrantsOfKey),
    delGrantCount: db.prepare<[string]>(SQL.delGrantCount),
  };

  const deleteKeyAndDependents = db.transaction((keyId: string) => {
    q.delKey.run(keyId);
    q.delAliasesOfKey.run(keyId);
    q.delGrantsOfKey.run(keyId);
    q.delGrantCount.run(keyId);
  });
  const parseGrant = (doc: string): GrantRecord => {
    const o = JSON.parse(doc) as GrantRecord;
    return { ...o, name: orUndefined(o.name), retiringPrincipal: orUndefined(o.retiringPrincipal), constraints: orUndefined(o.constraints) };
  };

  return {
    migrationsApplied,
    listCustomKeyStores: () => q.listStores.all().map((r) => parseStore(r.doc)),
    getCustomKeyStore: (id) => {
      const row = q.getStore.get(id);
      return row === undefined ? undefined : parseStore(row.doc);
    },
    putCustomKeyStore: (record) => {
      q.putStore.run(record.customKeyStoreId, record.creationDate, JSON.stringify(record));
    },
    deleteCustomKeyStore: (id) => {
      q.delStore.run(id);
    },
    listKeys: () => q.listKeys.all().map((r) => parseKey(r.doc)),
    getKey: (keyId) => {
      const row = q.getKey.get(keyId);
      return row === undefined ? undefined : parseKey(row.doc);
    },
    putKey: (record) => {
      const json: KeyJson = {
        ...record,
        materials: record.materials.map((m) => ({ version: m.version, id: m.id, createdAt: m.createdAt, rotationType: m.rotationType, wrapped: wrapMaterial(wrappingKey, record.keyId, m.version, m.material) })),
      };
      q.putKey.run(record.keyId, record.customKeyStoreId ?? '', record.xksKeyId ?? null, record.creationDate, JSON.stringify(json));
    },
    deleteKey: (keyId) => {
      deleteKeyAndDependents(keyId);
    },
    readKeys: (startId, count) => {
      const at = startId === undefined ? FIRST : q.keyPosition.get(startId);
      return at === undefined ? undefined : (at === FIRST ? q.keysFirst.all(count) : q.keysFrom.all(at.created, at.id, count)).map(toSummary);
    },
    getKeySummary: (keyId) => {
      const row = q.keySummary.get(keyId);
      return row === undefined ? undefined : toSummary(row);
    },
    hasXksKey: (customKeyStoreId, xksKeyId) => q.hasXksKey.get(customKeyStoreId, xksKeyId) !== undefined,
    countKeysOfStore: (customKeyStoreId, atMost) => q.countKeysOfStore.get(customKeyStoreId, atMost)?.n ?? 0,
    listAliases: () => q.listAliases.all().map((r) => JSON.parse(r.doc) as AliasRecord),
    getAlias: (aliasName) => {
      const row = q.getAlias.get(aliasName);
      return row === undefined ? undefined : (JSON.parse(row.doc) as AliasRecord);
    },
    putAlias: (record) => {
      q.putAlias.run(record.aliasName, record.targetKeyId, JSON.stringify(record));
    },
    deleteAlias: (aliasName) => {
      q.delAlias.run(aliasName);
    },
    readAliases: (keyId) => (startId, count) => {
      if (startId !== undefined) {
        const start = q.getAlias.get(startId);
        if (start === undefined || (keyId !== undefined && start.key_id !== keyId)) return undefined;
      }
      const from = startId ?? '';
      const rows = keyId === undefined ? q.aliasesFrom.all(from, count) : q.aliasesOfKeyFrom.all(keyId, from, count);
      return rows.map((r) => JSON.parse(r.doc) as AliasRecord);
    },
    countAliasesOfKey: (keyId, except) => q.countAliasesOfKey.get(keyId, except)?.n ?? 0,
    listGrants: (keyId) => (keyId === undefined ? q.listGrants.all() : q.listGrantsOfKey.all(keyId)).map((r) => parseGrant(r.doc)),
    getGrant: (grantId) => {
      const row = q.getGrant.get(grantId);
      return row === undefined ? undefined : parseGrant(row.doc);
    },
    getGrantByToken: (grantToken) => {
      const row = q.grantByToken.get(grantToken);
      return row === undefined ? undefined : parseGrant(row.doc);
    },
    grantsNamed: (keyId, name) => q.grantsNamed.all(keyId, name).map((r) => parseGrant(r.doc)),
    countGrants: (keyId) => q.countGrants.get(keyId)?.n ?? 0,
    readGrants: (filter) => (startId, count) => {
      let at: Position = FIRST;
      if (startId !== undefined) {
        const start = q.grantPosition.get(startId);
        const member =
          start !== undefined &&
          ('retiringPrincipal' in filter ? start.retiring === filter.retiringPrincipal : start.key_id === filter.keyId && (filter.granteePrincipal === undefined || start.grantee === filter.granteePrincipal));
        if (!member) return undefined;
        at = start;
      }
      const rows =
        'retiringPrincipal' in filter
          ? q.grantsOfRetiringFrom.all(filter.retiringPrincipal, at.created, at.id, count)
          : filter.granteePrincipal === undefined
            ? q.grantsOfKeyFrom.all(filter.keyId, at.created, at.id, count)
            : q.grantsOfGranteeFrom.all(filter.keyId, filter.granteePrincipal, at.created, at.id, count);
      return rows.map((r) => parseGrant(r.doc));
    },
    putGrant: (record) => {
      q.putGrant.run(record.grantId, record.keyId, record.creationDate, record.grantToken, record.name ?? null, record.granteePrincipal, record.retiringPrincipal ?? null, JSON.stringify(record));
    },
    deleteGrant: (grantId) => {
      q.delGrant.run(grantId);
    },
    close: () => {
      db.close();
    },
  };
}
