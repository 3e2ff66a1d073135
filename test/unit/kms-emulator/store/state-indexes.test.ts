/**
 * Issue 21, finding 4: the emulator's state store finds what a KMS request needs through indexes. Each query a
 * request can run is planned by SQLite (EXPLAIN QUERY PLAN) against a real schema-3 file: no plan may read a whole
 * table or sort rows in a temporary B-tree; an index may be walked in order only under a LIMIT (a page). A file of
 * schema 2 with grants is migrated: its grants are found by token, name, grantee and retiring principal, and
 * counted per key.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createKmsStateStore } from '../../../../src/kms-emulator/store/kms-state-store.js';
import type { GrantRecord } from '../../../../src/kms-emulator/store/records.js';
import { CURRENT_SCHEMA_VERSION, migrateStateFile } from '../../../../src/kms-emulator/store/state-migrations.js';
import { LIST_ALL_QUERIES, STATE_QUERIES } from '../../../../src/kms-emulator/store/state-queries.js';

const dir = mkdtempSync(join(tmpdir(), 'kms-state-indexes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The plan's lines that read without an index, or sort what they read. */
function unindexed(db: Database.Database, sql: string): string[] {
  const params = (sql.match(/\?/g) ?? []).map(() => null);
  const plan = db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).all(...params);
  const paged = /\bLIMIT\b/.test(sql);
  return plan
    .map((p) => p.detail)
    .filter((d) => {
      if (/TEMP B-TREE/.test(d)) return true;
      if (/^SCAN \(subquery|^SCAN CONSTANT ROW/.test(d)) return false;
      if (/^SCAN \w+ USING (COVERING )?INDEX/.test(d)) return !paged;
      return /^SCAN /.test(d);
    });
}

/** The index each lookup must use (a plan may use an index and still walk every grant of a key). */
const EXPECTED_INDEX: Readonly<Record<string, string>> = {
  keysFrom: 'kms_keys_by_created',
  hasXksKey: 'kms_keys_by_xks_key',
  countKeysOfStore: 'kms_keys_by_xks_key',
  aliasesOfKeyFrom: 'aliases_by_key',
  grantByToken: 'grants_by_token',
  grantsNamed: 'grants_by_name',
  grantsOfKeyFrom: 'grants_by_key',
  grantsOfGranteeFrom: 'grants_by_grantee',
  grantsOfRetiringFrom: 'grants_by_retiring',
};

function plan(db: Database.Database, sql: string): string {
  const params = (sql.match(/\?/g) ?? []).map(() => null);
  return db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((p) => p.detail).join('; ');
}

function grant(keyId: string, i: number, extra: Partial<GrantRecord> = {}): GrantRecord {
  return {
    grantId: randomBytes(32).toString('hex'),
    grantToken: randomBytes(96).toString('base64'),
    keyId,
    name: undefined,
    granteePrincipal: `arn:aws:iam::111122223333:role/grantee-${i % 3}`,
    retiringPrincipal: undefined,
    issuingAccount: '111122223333',
    operations: ['Encrypt'],
    constraints: undefined,
    creationDate: 1_700_000_000_000 + i,
    ...extra,
  };
}

describe('state store indexes (schema 3)', () => {
  it('every query a KMS request runs finds its rows through an index (EXPLAIN QUERY PLAN)', () => {
    const path = join(dir, 'plans.sqlite');
    createKmsStateStore(path).close();
    const db = new Database(path, { readonly: true });
    try {
      const perRequest = Object.entries(STATE_QUERIES).filter(([name]) => !LIST_ALL_QUERIES.has(name));
      assert.ok(perRequest.length >= 30, `${perRequest.length} per-request queries`);
      const bad = perRequest.map(([name, sql]) => [name, unindexed(db, sql)] as const).filter(([, lines]) => lines.length > 0);
      assert.deepEqual(bad, [], bad.map(([name, lines]) => `${name}: ${lines.join('; ')}`).join('\n'));
    } finally {
      db.close();
    }
  });

  it('each lookup uses its own index (by token, name, grantee, retiring principal, XksKeyId, position)', () => {
    const db = new Database(join(dir, 'plans.sqlite'), { readonly: true });
    try {
      for (const [name, index] of Object.entries(EXPECTED_INDEX)) {
        const sql = STATE_QUERIES[name as keyof typeof STATE_QUERIES];
        assert.match(plan(db, sql), new RegExp(`USING (COVERING )?INDEX ${index} `), name);
      }
    } finally {
      db.close();
    }
  });

  it('the check can fail: a table scan and a sort are reported (the queries main used)', () => {
    const path = join(dir, 'plans.sqlite');
    const db = new Database(path, { readonly: true });
    try {
      assert.ok(unindexed(db, STATE_QUERIES.listKeys).length > 0, 'ListKeys reading every key');
      assert.ok(unindexed(db, "SELECT doc FROM grants WHERE json_extract(doc, '$.grantToken') = ?").length > 0, 'a grant found by reading every grant');
    } finally {
      db.close();
    }
  });

  it('schema 2 -> 3 on open: grants of the old file found by token, name, grantee, retiring principal; counted per key', () => {
    const path = join(dir, 'v2.sqlite');
    const raw = new Database(path);
    migrateStateFile(raw, 2);
    const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';
    const grants = Array.from({ length: 30 }, (_, i) => grant(keyId, i, i === 7 ? { name: 'seventh', retiringPrincipal: 'arn:aws:iam::111122223333:role/retirer' } : {}));
    const insert = raw.prepare('INSERT INTO grants (grant_id, key_id, created, doc) VALUES (?, ?, ?, ?)');
    for (const g of grants) insert.run(g.grantId, g.keyId, g.creationDate, JSON.stringify(g));
    raw.close();

    const store = createKmsStateStore(path);
    try {
      assert.deepEqual(store.migrationsApplied, [3]);
      assert.equal(CURRENT_SCHEMA_VERSION, 3);
      assert.equal(store.countGrants(keyId), 30);
      const seventh = grants[7]!;
      assert.equal(store.getGrantByToken(seventh.grantToken)?.grantId, seventh.grantId);
      assert.deepEqual(store.grantsNamed(keyId, 'seventh').map((g) => g.grantId), [seventh.grantId]);
      assert.deepEqual(store.readGrants({ retiringPrincipal: 'arn:aws:iam::111122223333:role/retirer' })(undefined, 10)?.map((g) => g.grantId), [seventh.grantId]);
      const grantee0 = store.readGrants({ keyId, granteePrincipal: 'arn:aws:iam::111122223333:role/grantee-0' })(undefined, 100) ?? [];
      assert.deepEqual(grantee0.map((g) => g.grantId), grants.filter((_, i) => i % 3 === 0).map((g) => g.grantId), 'in creation order');
      // Counted by triggers from here on.
      store.putGrant(grant(keyId, 30));
      store.deleteGrant(grants[0]!.grantId);
      store.deleteGrant(grants[1]!.grantId);
      store.putGrant({ ...grants[2]!, operations: ['Decrypt'] }); // an update, not a new grant
      assert.equal(store.countGrants(keyId), 29);
      assert.equal(store.countGrants('no-such-key'), 0);
    } finally {
      store.close();
    }
  });

  it('pages read from the marker item on: every grant once, in order, and an unknown or foreign marker -> undefined', () => {
    const store = createKmsStateStore(':memory:');
    try {
      const grants = Array.from({ length: 25 }, (_, i) => grant('key-a', i));
      for (const g of grants) store.putGrant(g);
      store.putGrant(grant('key-b', 99));
      const read = store.readGrants({ keyId: 'key-a' });
      const seen: string[] = [];
      let start: string | undefined;
      for (;;) {
        const batch = read(start, 11) ?? assert.fail('a known marker');
        seen.push(...batch.slice(0, 10).map((g) => g.grantId));
        if (batch.length < 11) break;
        start = batch[10]?.grantId;
      }
      assert.deepEqual(seen, grants.map((g) => g.grantId));
      assert.equal(read('no-such-grant', 5), undefined);
      const other = store.listGrants('key-b')[0]!;
      assert.equal(read(other.grantId, 5), undefined, "key-b's grant is no marker of key-a's list");
    } finally {
      store.close();
    }
  });
});
