/**
 * docs/check-and-probe.md runs as written (test/support/doc-runner.ts: ports, `npx`): `xks check` and `xks probe`
 * against the dev default, and the Prometheus textfile recipe against a dead port publishing
 * `xks_probe_success ... 0` (the recipe that used `&&` never published a failure).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDocPage } from '../support/doc-runner.js';

test('docs/check-and-probe.md: check and probe on the dev default, the textfile recipe publishes a failure', { timeout: 600_000 }, async () => {
  const run = await runDocPage('docs/check-and-probe.md');
  // The probe of the dev default may say WARNING on a busy machine (exit 1), never CRITICAL or UNKNOWN.
  assert.doesNotMatch(run.transcript, /^exit code [23]$/m);
  assert.doesNotMatch(run.transcript, /^XKS (CRITICAL|UNKNOWN)/m);
});
