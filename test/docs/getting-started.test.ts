/**
 * docs/getting-started.md runs as written (test/support/doc-runner.ts says what the runner changes: ports, `npx`).
 * Every `sh run` block of the page, in order: the proxy alone with curl, the emulator with the AWS CLI v2, and each
 * break of "Break it on purpose" with the state and ConnectionErrorCode the page promises, then its undo.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { runDocPage } from '../support/doc-runner.js';

test('docs/getting-started.md: every run block, in order, prints what the page says (breaks included)', { timeout: 600_000 }, async () => {
  assert.ok(existsSync('/usr/bin/aws'), '/usr/bin/aws not installed (apt-get install awscli)');
  const run = await runDocPage('docs/getting-started.md', { extraFlags: { kms: ['--connecting-ms', '300', '--disconnecting-ms', '100'] } });
  // Ctrl-C in terminal 1 stopped the proxy cleanly.
  assert.deepEqual(run.exits, [{ name: 'serve', code: 0 }]);
});
