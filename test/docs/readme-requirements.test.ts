/**
 * The README says what `npm test` needs: every Debian package `.ci/run` installs for the tests is named there,
 * and the AWS CLI v2 at /usr/bin/aws. A package added to CI and not to the README fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../support/repo-root.js';

test('README: names every Debian package .ci/run installs for the tests, and /usr/bin/aws as the AWS CLI v2', () => {
  const ci = readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8');
  const line = /apt-get install\b[^\n]*/.exec(ci)?.[0] ?? '';
  const packages = line
    .replace(/>.*$/, '')
    .split(/\s+/)
    .filter((w) => /^[a-z][a-z0-9.+-]+$/.test(w) && !['apt-get', 'install', 'ca-certificates'].includes(w));
  assert.ok(packages.length >= 5, `apt-get line not understood: ${line}`);
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const needs = readme.slice(0, readme.indexOf('## Quickstart'));
  for (const p of packages) assert.ok(new RegExp(`(^|[^a-z0-9.+-])${p.replace(/[+.]/g, '\\$&')}($|[^a-z0-9.+-])`).test(needs), `README does not say npm test needs ${p}`);
  assert.match(needs, /AWS CLI \*\*v2\*\* at `\/usr\/bin\/aws`/);
});
