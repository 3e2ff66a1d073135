/**
 * Every child process that runs JavaScript runs on the test runner's own Node.js, so a suite run on another line
 * (scripts/test-on-node.sh 26) tests that line end to end, not the machine's node behind a Node.js 26 runner:
 * - node children are started with process.execPath, never `node`, `nodejs` or `tsx` looked up on PATH;
 * - `npx` and `npm` (which find node, and run `#!/usr/bin/env node` bins, through PATH) get runtimeEnv().
 * A scan of src/, test/, bench/, scripts/ and bin/ enforces both; runtimeEnv() is proven with a real shell.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../support/repo-root.js';
import { runtimeEnv } from '../support/runtime-env.js';

const SCANNED = ['src', 'test', 'bench', 'scripts', 'bin'];
const CALL = /\b(spawn|spawnSync|execFile|execFileSync|exec|execSync|fork)\(\s*(['"`])([^'"`]*)\2/g;
/** Always the runner's runtime instead: process.execPath (with `--import tsx` for TypeScript). */
const NODE_COMMANDS = new Set(['node', 'nodejs', 'tsx']);
/** Allowed only with runtimeEnv(...) in the same call. */
const PATH_NODE_COMMANDS = new Set(['npx', 'npm']);

/** The text of the call that starts at `start` (up to its closing parenthesis; strings are not special-cased). */
function callText(source: string, start: number): string {
  let depth = 0;
  for (let i = source.indexOf('(', start); i < source.length; i++) {
    if (source[i] === '(') depth++;
    else if (source[i] === ')' && --depth === 0) return source.slice(start, i + 1);
  }
  return source.slice(start);
}

/** Calls in `source` that would run a node found on PATH instead of the runner's runtime, as `line: command`. */
function findPathNodeCalls(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(CALL)) {
    const [, fn = '', , literal = ''] = m;
    const shell = fn === 'exec' || fn === 'execSync';
    if (shell && source[m.index - 1] === '.') continue; // RegExp.prototype.exec, not child_process
    // exec/execSync take a shell command line: its first word is the program.
    const command = shell ? (literal.trim().split(/\s+/)[0] ?? '') : literal;
    const line = source.slice(0, m.index).split('\n').length;
    if (NODE_COMMANDS.has(command)) found.push(`${line}: ${fn}('${command}')`);
    else if (PATH_NODE_COMMANDS.has(command) && !callText(source, m.index).includes('runtimeEnv(')) found.push(`${line}: ${fn}('${command}') without runtimeEnv()`);
  }
  return found;
}

function codeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.name === 'node_modules' || e.name.startsWith('.') ? [] : e.isDirectory() ? codeFiles(join(dir, e.name)) : /\.(ts|js|mjs|cjs)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('child processes run on the test runner\'s Node.js', () => {
  test('scanner: a table of calls -> flagged or not', () => {
    const rows: [string, boolean][] = [
      ["spawn('node', ['x.js'])", true],
      ["spawnSync(\"nodejs\", ['-v'])", true],
      ['execFileSync(`tsx`, [file])', true],
      ["exec('node x.js', cb)", true],
      ["execSync('npx tsx bench/x.ts')", true],
      ["spawnSync('npx', ['--no-install', 'xks'], { cwd })", true],
      ["spawn('npm', ['test'], {\n  env: { ...process.env },\n})", true],
      ["spawnSync('npx', ['--no-install', 'xks'], { env: runtimeEnv() })", false],
      ["spawn('npm', ['test'], {\n  env: runtimeEnv({ A: '1' }),\n})", false],
      ['spawn(process.execPath, [file])', false],
      ["spawn('curl', ['-sS'])", false],
      ["spawn('nodemon', [])", false],
      ["fork(slot)", false],
      ["/x/.exec('node')", false],
    ];
    for (const [source, flagged] of rows) assert.equal(findPathNodeCalls(source).length > 0, flagged, source);
  });

  test(`${SCANNED.join('/, ')}/: no child runs a node found on PATH without runtimeEnv()`, () => {
    const self = fileURLToPath(import.meta.url); // its table holds offending calls on purpose
    const files = SCANNED.flatMap((top) => codeFiles(join(REPO_ROOT, top))).filter((file) => file !== self);
    assert.ok(files.length > 100, `scanned only ${files.length} files`);
    const problems = files.flatMap((file) =>
      findPathNodeCalls(readFileSync(file, 'utf8')).map((p) => `${relative(REPO_ROOT, file)}:${p}`),
    );
    assert.deepEqual(problems, [], 'spawn process.execPath instead, or pass env: runtimeEnv() (test/support/runtime-env.ts)');
  });

  test('runtimeEnv: a decoy `node` first on PATH -> a shell still runs the runner\'s node', () => {
    const decoyDir = mkdtempSync(join(tmpdir(), 'xks-decoy-node-'));
    try {
      writeFileSync(join(decoyDir, 'node'), '#!/bin/sh\necho decoy\n');
      chmodSync(join(decoyDir, 'node'), 0o755);
      const env = { ...process.env, PATH: [decoyDir, process.env['PATH'] ?? ''].join(delimiter) };
      const run = (e: NodeJS.ProcessEnv) => spawnSync('sh', ['-c', 'node -p process.execPath'], { env: e, encoding: 'utf8', timeout: 30_000 });
      assert.equal(run(env).stdout.trim(), 'decoy', 'the decoy must be found without runtimeEnv, or this test proves nothing');
      const fixed = run(runtimeEnv(env));
      assert.equal(fixed.status, 0, fixed.stderr);
      assert.equal(realpathSync(fixed.stdout.trim()), realpathSync(process.execPath));
      assert.equal(runtimeEnv(env)['PATH']?.split(delimiter).filter((p) => p === decoyDir).length, 1, 'the rest of PATH is kept');
    } finally {
      rmSync(decoyDir, { recursive: true, force: true });
    }
  });

  // scripts/test-on-node.sh N sets XKS_TEST_NODE_VERSION to the version it installed (a plain `npm test` does not).
  const asked = process.env['XKS_TEST_NODE_VERSION'];
  test('scripts/test-on-node.sh: the runner and a child found through PATH run the version it installed', { skip: asked === undefined && 'not run by scripts/test-on-node.sh' }, () => {
    assert.equal(process.version, asked);
    const child = spawnSync('sh', ['-c', 'node --version'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.stdout.trim(), asked, 'the script puts its node first on PATH');
  });
});
