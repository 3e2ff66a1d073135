/**
 * Persistence for the emulator: custom key stores and KMS keys in SQLite (better-sqlite3).
 * `createKmsStateStore(':memory:')` gives the in-memory store tests use; a path gives a file that survives restarts.
 * Rows keep the record as JSON beside the indexed columns; key material is stored base64 inside it.
 */
import Database from 'better-sqlite3';
import { chmodSync, existsSync } from 'node:fs';
import type { CustomKeyStoreRecord, KmsKeyRecord } from './records.js';

export interface KmsStateStore {
  listCustomKeyStores(): CustomKeyStoreRecord[];
  getCustomKeyStore(id: string): CustomKeyStoreRecord | undefined;
  putCustomKeyStore(record: CustomKeyStoreRecord): void;
  deleteCustomKeyStore(id: string): void;
  listKeys(): KmsKeyRecord[];
  getKey(keyId: string): KmsKeyRecord | undefined;
  putKey(record: KmsKeyRecord): void;
  deleteKey(keyId: string): void;
  close(): void;
}

type KeyJson = Omit<KmsKeyRecord, 'keyMaterial'> & { keyMaterial: string };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS custom_key_stores (id TEXT PRIMARY KEY, created REAL NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kms_keys (key_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, created REAL NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta (name, value) VALUES ('schema_version', '1');
`;

function parseStore(doc: string): CustomKeyStoreRecord {
  const o = JSON.parse(doc) as CustomKeyStoreRecord;
  return { ...o, vpcEndpointServiceName: o.vpcEndpointServiceName ?? undefined, vpcEndpointServiceOwner: o.vpcEndpointServiceOwner ?? undefined, connectionErrorCode: o.connectionErrorCode ?? undefined };
}

function parseKey(doc: string): KmsKeyRecord {
  const o = JSON.parse(doc) as KeyJson;
  return { ...o, deletionDate: o.deletionDate ?? undefined, pendingWindowInDays: o.pendingWindowInDays ?? undefined, keyMaterial: Buffer.from(o.keyMaterial, 'base64') };
}

export function createKmsStateStore(location: string): KmsStateStore {
  const isFile = location !== ':memory:';
  const fresh = isFile && !existsSync(location);
  const db = new Database(location);
  // The file holds key material and proxy secrets: owner-only.
  if (fresh) chmodSync(location, 0o600);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);

  const q = {
    listStores: db.prepare<[], { doc: string }>('SELECT doc FROM custom_key_stores ORDER BY created, id'),
    getStore: db.prepare<[string], { doc: string }>('SELECT doc FROM custom_key_stores WHERE id = ?'),
    putStore: db.prepare<[string, number, string]>('INSERT INTO custom_key_stores (id, created, doc) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc'),
    delStore: db.prepare<[string]>('DELETE FROM custom_key_stores WHERE id = ?'),
    listKeys: db.prepare<[], { doc: string }>('SELECT doc FROM kms_keys ORDER BY created, key_id'),
    getKey: db.prepare<[string], { doc: string }>('SELECT doc FROM kms_keys WHERE key_id = ?'),
    putKey: db.prepare<[string, string, number, string]>('INSERT INTO kms_keys (key_id, store_id, created, doc) VALUES (?, ?, ?, ?) ON CONFLICT(key_id) DO UPDATE SET doc = excluded.doc'),
    delKey: db.prepare<[string]>('DELETE FROM kms_keys WHERE key_id = ?'),
  };

  return {
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
      const json: KeyJson = { ...record, keyMaterial: record.keyMaterial.toString('base64') };
      q.putKey.run(record.keyId, record.customKeyStoreId, record.creationDate, JSON.stringify(json));
    },
    deleteKey: (keyId) => {
      q.delKey.run(keyId);
    },
    close: () => {
      db.close();
    },
  };
}
