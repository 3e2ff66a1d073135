/**
 * Schema migrations of the emulator's state file, applied automatically when a file is opened (each in one
 * transaction, so a crash leaves the file at the version before). A file written by a newer emulator is refused.
 *
 * - 1: custom key stores and XKS keys; the KMS-side key material as plain base64 inside each key's JSON.
 * - 2: standard keys (origin AWS_KMS), aliases, grants, key policies, tags, rotation; key material as versions,
 *      wrapped under a per-file wrapping key (state-file-wrapping.ts).
 * - 3: indexes for every lookup the KMS API makes (issue 21: CreateGrant listed every grant of its key, ListKeys
 *      read every key): keys by creation order and by (store, XksKeyId); grants by key in creation order, by token,
 *      by name, by grantee, by retiring principal, and a per-key grant count kept by triggers. No record changes.
 */
import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { buildDefaultKeyPolicy } from './records.js';
import { createWrappingKey, wrapMaterial } from './state-file-wrapping.js';

export const CURRENT_SCHEMA_VERSION = 3;

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

/** The columns the indexes need, copied out of each row's JSON (the JSON stays the record). */
function migrate2to3(db: Database.Database): void {
  db.exec(`
    ALTER TABLE kms_keys ADD COLUMN xks_key_id TEXT;
    UPDATE kms_keys SET xks_key_id = json_extract(doc, '$.xksKeyId');
    CREATE INDEX kms_keys_by_created ON kms_keys (created, key_id);
    CREATE INDEX kms_keys_by_xks_key ON kms_keys (store_id, xks_key_id);
    DROP INDEX aliases_by_key;
    CREATE INDEX aliases_by_key ON aliases (key_id, alias_name);
    ALTER TABLE grants ADD COLUMN grant_token TEXT NOT NULL DEFAULT '';
    ALTER TABLE grants ADD COLUMN name TEXT;
    ALTER TABLE grants ADD COLUMN grantee TEXT NOT NULL DEFAULT '';
    ALTER TABLE grants ADD COLUMN retiring TEXT;
    UPDATE grants SET grant_token = json_extract(doc, '$.grantToken'), name = json_extract(doc, '$.name'),
      grantee = json_extract(doc, '$.granteePrincipal'), retiring = json_extract(doc, '$.retiringPrincipal');
    DROP INDEX grants_by_key;
    CREATE INDEX grants_by_key ON grants (key_id, created, grant_id);
    CREATE INDEX grants_by_token ON grants (grant_token);
    CREATE INDEX grants_by_name ON grants (key_id, name) WHERE name IS NOT NULL;
    CREATE INDEX grants_by_grantee ON grants (key_id, grantee, created, grant_id);
    CREATE INDEX grants_by_retiring ON grants (retiring, created, grant_id) WHERE retiring IS NOT NULL;
    CREATE TABLE grant_counts (key_id TEXT PRIMARY KEY, n INTEGER NOT NULL);
    INSERT INTO grant_counts (key_id, n) SELECT key_id, count(*) FROM grants GROUP BY key_id;
    CREATE TRIGGER grants_count_insert AFTER INSERT ON grants BEGIN
      INSERT INTO grant_counts (key_id, n) VALUES (new.key_id, 1) ON CONFLICT(key_id) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER grants_count_delete AFTER DELETE ON grants BEGIN
      UPDATE grant_counts SET n = n - 1 WHERE key_id = old.key_id;
    END;
  `);
}

const MIGRATIONS: Readonly<Record<number, (db: Database.Database) => void>> = Object.freeze({ 1: migrate1to2, 2: migrate2to3 });

export function readSchemaVersion(db: Database.Database): number {
  const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE name = 'schema_version'").get();
  return row === undefined ? 0 : Number(row.value);
}

/**
 * Brings the file to CURRENT_SCHEMA_VERSION (tests may stop at an older `upTo`, to build a file as an older
 * emulator left it); returns the versions it went through (for the log).
 */
export function migrateStateFile(db: Database.Database, upTo: number = CURRENT_SCHEMA_VERSION): number[] {
  db.exec(SCHEMA_V1);
  const applied: number[] = [];
  for (;;) {
    const version = readSchemaVersion(db);
    if (version === CURRENT_SCHEMA_VERSION || version === upTo) return applied;
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
