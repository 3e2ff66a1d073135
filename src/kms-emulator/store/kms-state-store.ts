/**
 * Persistence for the emulator in SQLite (better-sqlite3): custom key stores, KMS keys (with policy, tags,
 * rotation and wrapped material versions), aliases and grants. `createKmsStateStore(':memory:')` gives the
 * in-memory store tests use; a path gives a file that survives restarts. Rows keep the record as JSON beside the
 * indexed columns. Older files are migrated on open (state-migrations.ts).
 */
import Database from 'better-sqlite3';
import { chmodSync, existsSync } from 'node:fs';
import type { AliasRecord, CustomKeyStoreRecord, GrantRecord, KeyMaterialVersion, KmsKeyRecord } from './records.js';
import { migrateStateFile } from './state-migrations.js';
import { unwrapMaterial, wrapMaterial } from './state-file-wrapping.js';

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
  listAliases(): AliasRecord[];
  getAlias(aliasName: string): AliasRecord | undefined;
  putAlias(record: AliasRecord): void;
  deleteAlias(aliasName: string): void;
  /** All grants, or those of one key; oldest first. */
  listGrants(keyId?: string): GrantRecord[];
  getGrant(grantId: string): GrantRecord | undefined;
  putGrant(record: GrantRecord): void;
  deleteGrant(grantId: string): void;
  /** The schema migrations applied when this file was opened (empty when it was current). */
  readonly migrationsApplied: readonly number[];
  close(): void;
}

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
    listStores: db.prepare<[], { doc: string }>('SELECT doc FROM custom_key_stores ORDER BY created, id'),
    getStore: db.prepare<[string], { doc: string }>('SELECT doc FROM custom_key_stores WHERE id = ?'),
    putStore: db.prepare<[string, number, string]>('INSERT INTO custom_key_stores (id, created, doc) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc'),
    delStore: db.prepare<[string]>('DELETE FROM custom_key_stores WHERE id = ?'),
    listKeys: db.prepare<[], { doc: string }>('SELECT doc FROM kms_keys ORDER BY created, key_id'),
    getKey: db.prepare<[string], { doc: string }>('SELECT doc FROM kms_keys WHERE key_id = ?'),
    putKey: db.prepare<[string, string, number, string]>('INSERT INTO kms_keys (key_id, store_id, created, doc) VALUES (?, ?, ?, ?) ON CONFLICT(key_id) DO UPDATE SET doc = excluded.doc'),
    delKey: db.prepare<[string]>('DELETE FROM kms_keys WHERE key_id = ?'),
    listAliases: db.prepare<[], { doc: string }>('SELECT doc FROM aliases ORDER BY alias_name'),
    getAlias: db.prepare<[string], { doc: string }>('SELECT doc FROM aliases WHERE alias_name = ?'),
    putAlias: db.prepare<[string, string, string]>('INSERT INTO aliases (alias_name, key_id, doc) VALUES (?, ?, ?) ON CONFLICT(alias_name) DO UPDATE SET key_id = excluded.key_id, doc = excluded.doc'),
    delAlias: db.prepare<[string]>('DELETE FROM aliases WHERE alias_name = ?'),
    delAliasesOfKey: db.prepare<[string]>('DELETE FROM aliases WHERE key_id = ?'),
    listGrants: db.prepare<[], { doc: string }>('SELECT doc FROM grants ORDER BY created, grant_id'),
    listGrantsOfKey: db.prepare<[string], { doc: string }>('SELECT doc FROM grants WHERE key_id = ? ORDER BY created, grant_id'),
    getGrant: db.prepare<[string], { doc: string }>('SELECT doc FROM grants WHERE grant_id = ?'),
    putGrant: db.prepare<[string, string, number, string]>('INSERT INTO grants (grant_id, key_id, created, doc) VALUES (?, ?, ?, ?) ON CONFLICT(grant_id) DO UPDATE SET doc = excluded.doc'),
    delGrant: db.prepare<[string]>('DELETE FROM grants WHERE grant_id = ?'),
    delGrantsOfKey: db.prepare<[string]>('DELETE FROM grants WHERE key_id = ?'),
  };
  const deleteKeyAndDependents = db.transaction((keyId: string) => {
    q.delKey.run(keyId);
    q.delAliasesOfKey.run(keyId);
    q.delGrantsOfKey.run(keyId);
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
      q.putKey.run(record.keyId, record.customKeyStoreId ?? '', record.creationDate, JSON.stringify(json));
    },
    deleteKey: (keyId) => {
      deleteKeyAndDependents(keyId);
    },
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
    listGrants: (keyId) => (keyId === undefined ? q.listGrants.all() : q.listGrantsOfKey.all(keyId)).map((r) => parseGrant(r.doc)),
    getGrant: (grantId) => {
      const row = q.getGrant.get(grantId);
      return row === undefined ? undefined : parseGrant(row.doc);
    },
    putGrant: (record) => {
      q.putGrant.run(record.grantId, record.keyId, record.creationDate, JSON.stringify(record));
    },
    deleteGrant: (grantId) => {
      q.delGrant.run(grantId);
    },
    close: () => {
      db.close();
    },
  };
}
