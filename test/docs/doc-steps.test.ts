/** The executable-docs markers (test/support/doc-steps.ts): what a page's author writes, and what a typo does. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { expectedLinePattern, missingOutput, parseDocSteps } from '../support/doc-steps.js';
import { REPO_ROOT } from '../support/repo-root.js';

const page = [
  '# Page',
  '```sh run background',
  'npx xks serve   # terminal 1',
  '```',
  '',
  '```text output',
  'listening',
  '```',
  'Some prose.',
  '```sh',
  'echo not run: a plain sh block is shown, not run',
  '```',
  '```sh run',
  'echo one',
  '```',
  '',
  '```text output',
  'one',
  '```',
  '<!-- doc-run: interrupt serve -->',
  '1. A step:',
  '   ```sh run exit=2',
  '   false',
  '   ```',
].join('\n');

test('parseDocSteps: run, background and exit=N blocks in page order, with their expected output and actions', () => {
  assert.deepEqual(parseDocSteps(page), [
    { kind: 'background', line: 2, commands: ['npx xks serve   # terminal 1'], expect: ['listening'] },
    { kind: 'run', line: 13, script: 'echo one', exit: 0, expect: ['one'] },
    { kind: 'action', line: 20, action: 'interrupt', target: 'serve' },
    { kind: 'run', line: 22, script: 'false', exit: 2, expect: [] },
  ]);
});

test('parseDocSteps: a marker or action it does not know is an error, not a step silently skipped', () => {
  assert.throws(() => parseDocSteps('```sh run sometimes\necho\n```'), /line 1: unknown marker/);
  assert.throws(() => parseDocSteps('<!-- doc-run: pause serve -->'), /line 1: unknown doc-run action pause/);
  assert.throws(() => parseDocSteps('text\n```text output\nx\n```'), /must follow a `sh run` block/);
  assert.throws(() => parseDocSteps('```sh run\necho\n```\nprose between\n```text output\nx\n```'), /must follow a `sh run` block/);
});

test('expected output: whole lines, in order, `...` for any text', () => {
  assert.ok(expectedLinePattern('CONNECTED\tNone').test('CONNECTED\tNone'));
  assert.ok(!expectedLinePattern('CONNECTED').test('CONNECTED\tNone'));
  assert.ok(expectedLinePattern('XKS ... - http://h/p: ...').test('XKS OK - http://h/p: fleet a=ACTIVE'));
  assert.ok(!expectedLinePattern('a.c').test('abc'));
  assert.deepEqual(missingOutput(['one', 'two'], 'x\none\ny\ntwo\n'), []);
  assert.deepEqual(missingOutput(['two', 'one'], 'one\ntwo\n'), ['one']);
  assert.deepEqual(missingOutput(['FAILED\tXKS_PROXY_NOT_REACHABLE'], 'CONNECTED\tNone\n'), ['FAILED\tXKS_PROXY_NOT_REACHABLE']);
});

test('every page with `sh run` blocks is run by a test in test/docs/ (a marked page nobody runs proves nothing)', () => {
  const runners = readdirSync(join(REPO_ROOT, 'test', 'docs'))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => readFileSync(join(REPO_ROOT, 'test', 'docs', f), 'utf8'))
    .join('\n');
  const marked = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)].filter(
    (page) => parseDocSteps(readFileSync(join(REPO_ROOT, page), 'utf8')).length > 0,
  );
  assert.ok(marked.length >= 6, `only ${marked.join(', ')}`);
  for (const page of marked) assert.ok(runners.includes(`runDocPage('${page}'`), `${page} has sh run blocks but no test/docs test runs it`);
});
