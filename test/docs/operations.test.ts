/**
 * docs/operations.md runs as written (test/support/doc-runner.ts: ports, `npx`): `xks serve --workers 2` on the
 * dev default, `xks status` naming the primary's pid and each worker, and Ctrl-C (SIGINT to the process group)
 * ending the fleet with exit 0. The loop of 50 Ctrl-Cs is test/e2e/workers-ctrl-c.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDocPage } from '../support/doc-runner.js';

test('docs/operations.md: a two-worker fleet, its status, Ctrl-C -> exit 0', { timeout: 300_000 }, async () => {
  const run = await runDocPage('docs/operations.md');
  assert.deepEqual(run.exits, [{ name: 'serve', code: 0 }]);
});
