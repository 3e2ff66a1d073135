/**
 * The emulator's operation table against independent sources: the operation list and DryRun members
 * of @aws-sdk/client-kms (generated from the KMS API model), and the emulator's own dispatch table
 * and docs/kms-emulator.md, so the three cannot drift.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { buildDispatchTable, KMS_OPERATIONS, renderOperationTable } from '../../../src/kms-emulator/operation-table.js';
import { startHarness } from '../../support/kms-harness.js';
import { REPO_ROOT } from '../../support/repo-root.js';

// .../node_modules/@aws-sdk/client-kms/dist-cjs/index.js -> the package directory
const SDK_DIR = dirname(dirname(fileURLToPath(import.meta.resolve('@aws-sdk/client-kms'))));
const REPO = REPO_ROOT;

const sdkOperations = (): string[] =>
  readdirSync(join(SDK_DIR, 'dist-types', 'commands'))
    .filter((f) => f.endsWith('Command.d.ts'))
    .map((f) => f.slice(0, -'Command.d.ts'.length))
    .sort();

test('operation table: exactly the operations of @aws-sdk/client-kms, each with a handler in the dispatch table', async () => {
  const ours = Object.keys(KMS_OPERATIONS).sort();
  assert.ok(sdkOperations().length >= 50, 'the SDK command list was read');
  assert.deepEqual(ours, sdkOperations());
  const h = await startHarness();
  try {
    assert.deepEqual(Object.keys(buildDispatchTable(h.app.service)).sort(), ours);
  } finally {
    await h.close();
  }
});

test('operation table: the DryRun column is the set of requests with a DryRun member in the SDK model', () => {
  const models = readdirSync(join(SDK_DIR, 'dist-types', 'models')).filter((f) => f.startsWith('models_')).map((f) => readFileSync(join(SDK_DIR, 'dist-types', 'models', f), 'utf8')).join('\n');
  const withDryRun = new Set<string>();
  for (const m of models.matchAll(/export interface (\w+)Request \{([\s\S]*?)\n\}/g)) if (/\bDryRun\?: boolean/.test(m[2] ?? '')) withDryRun.add(m[1] ?? '');
  assert.ok(withDryRun.has('Encrypt'), 'the SDK models were read');
  assert.deepEqual(Object.entries(KMS_OPERATIONS).filter(([, s]) => s.dryRun).map(([n]) => n).sort(), [...withDryRun].sort());
});

test('docs/kms-emulator.md carries the generated operation table verbatim (regenerate: npm run docs:kms-operations)', () => {
  const text = readFileSync(join(REPO, 'docs', 'kms-emulator.md'), 'utf8');
  const m = /<!-- operation-table:start -->\n([\s\S]*?)\n<!-- operation-table:end -->/.exec(text);
  assert.ok(m, 'the operation-table markers are in docs/kms-emulator.md');
  assert.equal(m[1], renderOperationTable());
});
