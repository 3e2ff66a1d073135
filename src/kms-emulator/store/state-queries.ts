/**
 * The SQL of the emulator's state store (kms-state-store.ts), in one place so that a test can read each query's
 * plan (EXPLAIN QUERY PLAN): every query a KMS API request runs must find its rows through an index, never by
 * reading a whole table (issue 21). LIST_ALL_QUERIES read everything, on purpose: the status view, tools, tests.
 */

/** What ListKeys and liveness checks read of a key, without unwrapping its material. */
const SUMMARY = "key_id, json_extract(doc, '$.arn') AS arn, json_extract(doc, '$.keyState') AS state, json_extract(doc, '$.deletionDate') AS deletion";

/** Queries that read every row of a table: never on a KMS API request's path. */
export const LIST_ALL_QUERIES: ReadonlySet<string> = new Set(['listAliases', 'listGrants', 'listGrantsOfKey', 'listKeys', 'listStores']);

export const STATE_QUERIES = Object.freeze({
  listStores: 'SELECT doc FROM custom_key_stores ORDER BY created, id',
  getStore: 'SELECT doc FROM custom_key_stores WHERE id = ?',
  putStore: 'INSERT INTO custom_key_stores (id, created, doc) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc',
  delStore: 'DELETE FROM custom_key_stores WHERE id = ?',
  listKeys: 'SELECT doc FROM kms_keys ORDER BY created, key_id',
  getKey: 'SELECT doc FROM kms_keys WHERE key_id = ?',
  putKey:
    'INSERT INTO kms_keys (key_id, store_id, xks_key_id, created, doc) VALUES (?, ?, ?, ?, ?) ' +
    'ON CONFLICT(key_id) DO UPDATE SET xks_key_id = excluded.xks_key_id, doc = excluded.doc',
  delKey: 'DELETE FROM kms_keys WHERE key_id = ?',
  keyPosition: 'SELECT created, key_id AS id FROM kms_keys WHERE key_id = ?',
  keysFirst: `SELECT ${SUMMARY} FROM kms_keys ORDER BY created, key_id LIMIT ?`,
  keysFrom: `SELECT ${SUMMARY} FROM kms_keys WHERE (created, key_id) >= (?, ?) ORDER BY created, key_id LIMIT ?`,
  keySummary: `SELECT ${SUMMARY} FROM kms_keys WHERE key_id = ?`,
  hasXksKey: 'SELECT 1 AS one FROM kms_keys WHERE store_id = ? AND xks_key_id = ? LIMIT 1',
  countKeysOfStore: 'SELECT count(*) AS n FROM (SELECT 1 FROM kms_keys WHERE store_id = ? LIMIT ?)',
  listAliases: 'SELECT doc FROM aliases ORDER BY alias_name',
  getAlias: 'SELECT doc, key_id FROM aliases WHERE alias_name = ?',
  putAlias: 'INSERT INTO aliases (alias_name, key_id, doc) VALUES (?, ?, ?) ON CONFLICT(alias_name) DO UPDATE SET key_id = excluded.key_id, doc = excluded.doc',
  delAlias: 'DELETE FROM aliases WHERE alias_name = ?',
  delAliasesOfKey: 'DELETE FROM aliases WHERE key_id = ?',
  aliasesFrom: 'SELECT doc FROM aliases WHERE alias_name >= ? ORDER BY alias_name LIMIT ?',
  aliasesOfKeyFrom: 'SELECT doc FROM aliases WHERE key_id = ? AND alias_name >= ? ORDER BY alias_name LIMIT ?',
  countAliasesOfKey: 'SELECT count(*) AS n FROM aliases WHERE key_id = ? AND alias_name <> ?',
  listGrants: 'SELECT doc FROM grants ORDER BY created, grant_id',
  listGrantsOfKey: 'SELECT doc FROM grants WHERE key_id = ? ORDER BY created, grant_id',
  getGrant: 'SELECT doc FROM grants WHERE grant_id = ?',
  grantByToken: 'SELECT doc FROM grants WHERE grant_token = ?',
  grantsNamed: 'SELECT doc FROM grants WHERE key_id = ? AND name = ?',
  countGrants: 'SELECT n FROM grant_counts WHERE key_id = ?',
  grantPosition: 'SELECT created, grant_id AS id, key_id, grantee, retiring FROM grants WHERE grant_id = ?',
  grantsOfKeyFrom: 'SELECT doc FROM grants WHERE key_id = ? AND (created, grant_id) >= (?, ?) ORDER BY created, grant_id LIMIT ?',
  grantsOfGranteeFrom: 'SELECT doc FROM grants WHERE key_id = ? AND grantee = ? AND (created, grant_id) >= (?, ?) ORDER BY created, grant_id LIMIT ?',
  grantsOfRetiringFrom: 'SELECT doc FROM grants WHERE retiring = ? AND (created, grant_id) >= (?, ?) ORDER BY created, grant_id LIMIT ?',
  putGrant:
    'INSERT INTO grants (grant_id, key_id, created, grant_token, name, grantee, retiring, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT(grant_id) DO UPDATE SET grant_token = excluded.grant_token, name = excluded.name, grantee = excluded.grantee, retiring = excluded.retiring, doc = excluded.doc',
  delGrant: 'DELETE FROM grants WHERE grant_id = ?',
  delGrantsOfKey: 'DELETE FROM grants WHERE key_id = ?',
  delGrantCount: 'DELETE FROM grant_counts WHERE key_id = ?',
});
