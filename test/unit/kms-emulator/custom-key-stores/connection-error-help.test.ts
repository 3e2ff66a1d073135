/**
 * One source for what a ConnectionErrorCode means (src/kms-emulator/custom-key-stores/connection-error-help.ts): every code of spec B6 that
 * applies to external key stores has help, and docs/troubleshooting.md holds exactly the table built from it
 * (`npm run docs:connection-errors` rewrites it). The console's tooltip renders the same fields (browser test).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { buildConnectionErrorHelpTable, CONNECTION_ERROR_HELP, CONNECTION_ERROR_HELP_MARKERS, formatConnectionErrorHelp } from '../../../../src/kms-emulator/custom-key-stores/connection-error-help.js';
import { XKS_CONNECTION_ERROR_CODES } from '../../../../src/kms-emulator/store/records.js';
import { REPO_ROOT } from '../../../support/repo-root.js';

test('connection error help: every XKS ConnectionErrorCode has a meaning, causes and a fix that ends with Disconnect -> Connect', () => {
  assert.deepEqual(Object.keys(CONNECTION_ERROR_HELP).sort(), [...XKS_CONNECTION_ERROR_CODES].sort());
  for (const code of XKS_CONNECTION_ERROR_CODES) {
    const h = CONNECTION_ERROR_HELP[code];
    assert.ok(h.meaning.length > 20 && h.causes.length > 0 && h.fixes.length > 0, code);
    assert.match(h.fixes.at(-1) ?? '', /Disconnect the key store.*then Connect/, code);
    assert.match(formatConnectionErrorHelp(code), new RegExp(`^${code}: `));
  }
});

test('connection error help: docs/troubleshooting.md holds exactly the table built from the module', () => {
  const doc = readFileSync(resolve(REPO_ROOT, 'docs', 'troubleshooting.md'), 'utf8');
  const [start, end] = CONNECTION_ERROR_HELP_MARKERS;
  const inDoc = doc.slice(doc.indexOf(start) + start.length, doc.indexOf(end)).trim();
  assert.equal(inDoc, buildConnectionErrorHelpTable(), 'run npm run docs:connection-errors');
});

test('INVALID_CREDENTIALS help (console tooltip, troubleshooting): a KMS Region missing from keyStores[].regions is a cause, with its fix', () => {
  const help = CONNECTION_ERROR_HELP.INVALID_CREDENTIALS;
  assert.ok(help.causes.some((c) => c.includes('keyStores[].regions') && c.includes('wrong-scope')), help.causes.join('\n'));
  assert.ok(help.fixes.some((f) => f.includes('keyStores[].regions')), help.fixes.join('\n'));
});
