/**
 * Schema migrations of the emulator's state file, applied automatically when a file is opened (each in one
 * transaction, so a crash leaves the file at the version before). A file written by a newer emulator is refused.
 *
 * - 1: custom key stores and XKS keys; the KMS-side key material as plain base64 inside each key's JSON.
 * - 2: standard keys (origin AWS_KMS), aliases, grants, key policies, tags, rotation; key material as versions,
 *      wrapped under a per-file wrapping key (state-file-wrapping.ts).
 */
import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { buildDefaultKeyPolicy } from './records.js';
import { createWrappingKey, wrapMaterial } from './state-file-wrapping.js';

export const CURRENT_SCHEMA_VERSION = 2;

/** Version 1 exactly as the first emulator created it; new files start here and migrate like old ones. */
const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS custom_key_stores (id TEXT PRIMARY KEY, created REAL NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kms_keys (key_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, created REAL NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta (name, value) VALUES ('schema_version', '1');
`;

interface V1Key {
  readonly keyId: string;
  readonly arn: string;
  readonly customKeyStoreId: string;
  readonly xksKeyId: string;
  readonly creationDate: number;
  readonly keyMaterial: string;
  readonly [other: string]: unknown;
}

function migrate1to2(db: Database.Database): void {
  db.exec(`
    CREATE TABLE aliases (alias_name TEXT PRIMARY KEY, key_id TEXT NOT NULL, doc TEXT NOT NULL);
    CREATE INDEX aliases_by_key ON aliases (key_id);
    CREATE TABLE grants (grant_id TEXT PRIMARY KEY, key_id TEXT NOT NULL, created REAL NOT NULL, doc TEXT NOT NULL);
    CREATE INDEX grants_by_key ON grants (key_id);
  `);
  const wrappingKey = createWrappingKey();
  db.prepare('INSERT INTO meta (name, value) VALUES (?, ?)').run('wrapping_key', wrappingKey.toString('base64'));
  const rows = db.prepare<[], { key_id: string; doc: string }>('SELECT key_id, doc FROM kms_keys').all();
  const update = db.prepare<[string, string]>('UPDATE kms_keys SET doc = ? WHERE key_id = ?');
  for (const row of rows) {
    const v1 = JSON.parse(row.doc) as V1Key;
    const { keyMaterial, ...rest } = v1;
    const accountId = v1.arn.split(':')[4] ?? '';
    const material = Buffer.from(keyMaterial, 'base64');
    const v2 = {
      ...rest,
      origin: 'EXTERNAL_KEY_STORE',
      materials: [{ version: 0, id: randomBytes(32).toString('hex'), createdAt: v1.creationDate, rotationType: undefined, wrapped: wrapMaterial(wrappingKey, v1.keyId, 0, material) }],
      policy: buildDefaultKeyPolicy(accountId),
      tags: [],
      rotation: { enabled: false, periodInDays: undefined, nextRotationDate: undefined },
    };
    material.fill(0);
    update.run(JSON.stringify(v2), row.key_id);
  }
}

const MIGRATIONS: Readonly<Record<number, (db: Database.Database) => void>> = Object.freeze({ 1: migrate1to2 });

export function readSchemaVersion(db: Database.Database): number {
  const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE name = 'schema_version'").get();
  return row === undefined ? 0 : Number(row.value);
}

/** Brings the file to CURRENT_SCHEMA_VERSION; returns the versions it went through (for the log). */
export function migrateStateFile(db: Database.Database): number[] {
  db.exec(SCHEMA_V1);
  const applied: number[] = [];
  for (;;) {
    const version = readSchemaVersion(db);
    if (version === CURRENT_SCHEMA_VERSION) return applied;
    if (version > CURRENT_SCHEMA_VERSION) {
      throw new Error(`the state file has schema version ${version}, newer than this emulator's ${CURRENT_SCHEMA_VERSION}; use a newer emulator or another --state file`);
    }
    const step = MIGRATIONS[version];
    if (step === undefined) throw new Error(`no migration from state file schema version ${version}`);
    db.transaction(() => {
      step(db);
      db.prepare("UPDATE meta SET value = ? WHERE name = 'schema_version'").run(String(version + 1));
    })();
    applied.push(version + 1);
  }
}
