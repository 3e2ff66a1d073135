/**
 * The supported Node.js lines are written in several places; they must say the same thing. The table in
 * docs/development.md ("Supported Node.js versions") is the reference: package.json's `engines` names exactly its
 * lines, the README gives each line's end-of-life date, and the newest line is the one CI runs the second pass on
 * (.ci/run), the Dockerfile's default base and docker-compose's default build argument. The one-command script the
 * docs give refuses a wrong call with its usage (the rest of it needs the network: CI runs it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { readText, repoRoot, withoutFences } from './markdown.js';

interface Line {
  readonly major: number;
  readonly endOfLife: string;
}

/** The rows of the table under "## Supported Node.js versions": `| 26 | status | 2029-04-30 | how tested |`. */
function supportedLines(): Line[] {
  const doc = withoutFences(readText(path.join(repoRoot, 'docs', 'development.md'))).split('\n');
  const start = doc.findIndex((l) => l === '## Supported Node.js versions');
  assert.ok(start >= 0, 'docs/development.md has no "## Supported Node.js versions" section');
  const end = doc.findIndex((l, i) => i > start && l.startsWith('## '));
  const rows = doc.slice(start, end).flatMap((l) => {
    const m = /^\| (\d+)(?: \([^)]*\))? \|[^|]*\| (\d{4}-\d{2}-\d{2}) \|/.exec(l);
    return m ? [{ major: Number(m[1]), endOfLife: m[2] ?? '' }] : [];
  });
  assert.ok(rows.length >= 2, `no table of lines in the section: ${JSON.stringify(rows)}`);
  return rows;
}

const read = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8');

describe('supported Node.js lines: one story everywhere', () => {
  const lines = supportedLines();
  const newest = Math.max(...lines.map((l) => l.major));

  test('package.json engines -> exactly the lines of the table, each as ^<major>', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const majors = engines.split('||').map((range) => /^\s*\^(\d+)\.\d+\.\d+\s*$/.exec(range)?.[1]);
    assert.ok(majors.every((m) => m !== undefined), `engines.node should be ^x.y.z ranges joined by ||: ${engines}`);
    assert.deepEqual(majors.map(Number).sort(), lines.map((l) => l.major).sort(), engines);
    const lockRoot = (JSON.parse(read('package-lock.json')) as { packages: Record<string, { engines?: { node: string } }> }).packages['']?.engines?.node;
    assert.equal(lockRoot, engines, 'package-lock.json repeats the root engines');
  });

  test('README -> every line with its end-of-life date, and the image base', () => {
    const readme = read('README.md');
    for (const { major, endOfLife } of lines) {
      assert.match(readme, new RegExp(`\\b${major}(?:\\.\\d+\\+|\\b)[^.;]*?${endOfLife}`), `README: Node.js ${major} with ${endOfLife}`);
    }
    assert.ok(readme.includes(`node:${newest}-bookworm-slim`), `README names the image base node:${newest}-bookworm-slim`);
  });

  test(`newest line (${newest}) -> .ci/run's second pass, the Dockerfile's and docker-compose's default`, () => {
    const ci = read('.ci/run');
    assert.match(ci, new RegExp(`^NEWEST_LTS=${newest}$`, 'm'));
    assert.match(ci, /^scripts\/test-on-node\.sh "\$NEWEST_LTS"$/m);
    assert.ok(ci.indexOf('\nnpm test\n') >= 0 && ci.indexOf('\nnpm test\n') < ci.indexOf('scripts/test-on-node.sh "'), 'npm test on the machine first');
    const dockerfile = read('Dockerfile');
    assert.match(dockerfile, new RegExp(`^ARG NODE_VERSION=${newest}$`, 'm'));
    const froms = dockerfile.split('\n').filter((l) => l.startsWith('FROM '));
    assert.ok(froms.length >= 2 && froms.every((l) => l.startsWith('FROM node:${NODE_VERSION}-bookworm-slim')), froms.join('\n'));
    const compose = read('docker-compose.yml');
    const builds = compose.split('\n').filter((l) => l.includes('NODE_VERSION:'));
    assert.ok(builds.length >= 1 && builds.every((l) => l.includes(`\${NODE_VERSION:-${newest}}`)), builds.join('\n'));
    assert.equal((compose.match(/^\s+build:/gm) ?? []).length, builds.length, 'every build in docker-compose.yml passes NODE_VERSION');
    assert.ok(read('docs/operations.md').includes(`node:${newest}-bookworm-slim`), `docs/operations.md names node:${newest}-bookworm-slim`);
  });

  test('scripts/test-on-node.sh: executable, npm run test:node runs it; no line or a bad one -> exit 2 with the usage', () => {
    const script = path.join(repoRoot, 'scripts', 'test-on-node.sh');
    accessSync(script, constants.X_OK);
    assert.equal((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['test:node'], 'bash scripts/test-on-node.sh');
    for (const args of [[], ['latest'], ['26.1'], ['--help']]) {
      const r = spawnSync(script, args, { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 2, `${JSON.stringify(args)}: ${r.stderr}`);
      assert.match(r.stderr, /^usage: scripts\/test-on-node\.sh <major\|x\.y\.z> \[command \.\.\.\]/, JSON.stringify(args));
    }
  });
});
