/**
 * docs/keys.md runs as written (test/support/doc-runner.ts: ports, `npx`): `xks keys create/list/rotate/show` on
 * the dev default while `xks serve` runs, the running proxy serving the new key without a restart, and `delete`
 * without --force refused with the page's words.
 */
import { test } from 'node:test';
import { runDocPage } from '../support/doc-runner.js';

test('docs/keys.md: xks keys on the dev default, picked up by the running proxy; delete refused without --force', { timeout: 300_000 }, async () => {
  await runDocPage('docs/keys.md');
});
