/**
 * The command docs/kms-emulator.md tells the reader to run, `npx tsx bench/kms-emulator-scale.ts`, run small
 * (a few grants and keys) as a child process: it prints each figure it promises. No figure is judged (no timed
 * assertion): the figures are for people; test/unit/kms-emulator/store/state-indexes.test.ts proves the indexes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { TSX_LOADER } from '../../support/proxy-process.js';
import { REPO_ROOT } from '../../support/repo-root.js';

test('bench/kms-emulator-scale.ts --grants 0,30 --keys 40 --samples 2 -> prints CreateGrant, status and ListKeys figures', { timeout: 180_000 }, async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', TSX_LOADER, join(REPO_ROOT, 'bench', 'kms-emulator-scale.ts'), '--grants', '0,30', '--keys', '40', '--samples', '2'], { cwd: REPO_ROOT, timeout: 170_000 });
  assert.match(stdout, /^CreateGrant with 0 grants on the key: p50 [\d.]+ ms, max [\d.]+ ms over 2 calls/m, stdout);
  assert.match(stdout, /^CreateGrant with 30 grants on the key: p50 [\d.]+ ms/m, stdout);
  assert.match(stdout, /^GET \/_emulator\/status while CreateGrant runs in a loop on the key with the most grants: p50 [\d.]+ ms, max [\d.]+ ms over \d+ requests/m, stdout);
  assert.match(stdout, /^ListKeys Limit 1000 with 40 keys: first page p50 [\d.]+ ms/m, stdout);
  assert.match(stdout, /^ListKeys Limit 1 with 40 keys: [\d.]+ ms/m, stdout);
});
