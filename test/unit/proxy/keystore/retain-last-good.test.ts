import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryKeyStore } from '../../../../src/proxy/keystore/key-store.js';
import { retainLastGood } from '../../../../src/proxy/keystore/retain-last-good.js';
import { testKey } from '../../../support/test-app.js';

const DIR = '/keys';
const T1 = '2026-11-29T10:00:00.000Z';
const T2 = '2026-11-29T11:00:00.000Z';
const previous = createMemoryKeyStore([testKey('k1'), testKey('k2', { versions: 2 })]);

test('retain last good: a bad file keeps the previous key (listed as retained, still a problem); a missing file drops it', () => {
  const fresh = createMemoryKeyStore([testKey('k1')], { problems: [{ file: `${DIR}/k2.json`, message: 'not valid JSON' }] });
  const kept = retainLastGood(fresh, previous, DIR, T1);
  assert.equal(kept.getKey('k2')?.versions.length, 2, 'the last good version, both versions');
  assert.deepEqual(kept.retained, [{ externalKeyId: 'k2', file: `${DIR}/k2.json`, message: 'not valid JSON', since: T1 }]);
  assert.equal(kept.problems.length, 1, 'still reported: health is DEGRADED');
  // Still broken at the next reload: `since` stays the first time.
  assert.equal(retainLastGood(fresh, kept, DIR, T2).retained[0]?.since, T1);
  // Deleted on purpose: no problem for it, so it leaves service.
  const gone = retainLastGood(createMemoryKeyStore([testKey('k1')]), kept, DIR, T2);
  assert.equal(gone.getKey('k2'), undefined);
  assert.deepEqual(gone.retained, []);
});

test('retain last good: a file that never loaded is not invented; a broken file in another directory is not matched', () => {
  const fresh = createMemoryKeyStore([testKey('k1')], { problems: [{ file: `${DIR}/k9.json`, message: 'not valid JSON' }, { file: `/other/k2.json`, message: 'x' }] });
  const out = retainLastGood(fresh, previous, DIR, T1);
  assert.deepEqual(out.listKeys().map((k) => k.externalKeyId), ['k1']);
  assert.equal(out, fresh);
});

test('retain last good: an unreadable directory keeps every key, served and available, with the directory problem', () => {
  const fresh = createMemoryKeyStore([], { problems: [{ file: DIR, message: 'key directory unreadable: ENOENT' }], available: false });
  const out = retainLastGood(fresh, previous, DIR, T1);
  assert.equal(out.available, true);
  assert.deepEqual(out.listKeys().map((k) => k.externalKeyId), ['k1', 'k2']);
  assert.deepEqual(out.retained.map((r) => [r.externalKeyId, r.file, r.message]), [['k1', DIR, 'key directory unreadable: ENOENT'], ['k2', DIR, 'key directory unreadable: ENOENT']]);
  // Nothing to keep: the store stays unavailable.
  assert.equal(retainLastGood(fresh, createMemoryKeyStore([]), DIR, T1).available, false);
  assert.equal(retainLastGood(fresh, undefined, DIR, T1).available, false, 'a start has no last good version');
});
