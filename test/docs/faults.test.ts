/**
 * docs/faults.md's learner's session runs as written (test/support/doc-runner.ts: ports, `npx`): the warning the
 * page promises, a store that connects, health:UNAVAILABLE -> FAILED XKS_PROXY_NOT_REACHABLE, a rule naming a
 * key the proxy does not have refused with the names that exist, rules from a `{"faults": [...]}` file, clear.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { runDocPage } from '../support/doc-runner.js';

test("docs/faults.md: the learner's session, every run block in order, prints what the page says", { timeout: 600_000 }, async () => {
  assert.ok(existsSync('/usr/bin/aws'), '/usr/bin/aws not installed (apt-get install awscli)');
  await runDocPage('docs/faults.md', { extraFlags: { kms: ['--connecting-ms', '300', '--disconnecting-ms', '100'] } });
});
