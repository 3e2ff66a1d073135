/**
 * Self-contained spec references: every clause id (A1..A18, B1..B12, C1..C71) used in src/, test/, bench/,
 * examples/, README or docs/ is defined in docs/spec-coverage.md, in a table row `| A12 | what it says | source |`,
 * and nothing points at a specification file outside the repository.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readText, repoRoot } from './markdown.js';

const CLAUSE = /\b([ABC])([0-9]{1,3})\b/g;
const RANGE: Record<string, number> = { A: 18, B: 12, C: 71 };

function listFiles(dir: string, exts: readonly string[]): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isFile() && exts.some((e) => entry.name.endsWith(e)) && !full.includes(`${path.sep}node_modules${path.sep}`)) out.push(full);
  }
  return out;
}

const sources = [
  ...['src', 'test', 'bench', 'examples', 'docs', 'keys'].flatMap((d) => listFiles(path.join(repoRoot, d), ['.ts', '.md', '.json', '.cfg', '.conf', '.sh'])),
  path.join(repoRoot, 'README.md'),
  path.join(repoRoot, 'Dockerfile'),
  path.join(repoRoot, 'docker-compose.yml'),
];

/** `{id -> [definition, source]}` from the table rows of docs/spec-coverage.md whose first cell is a clause id. */
export function parseClauseDefinitions(markdown: string): Map<string, { definition: string; source: string }> {
  const defs = new Map<string, { definition: string; source: string }>();
  for (const line of markdown.split('\n')) {
    const m = /^\|\s*(?:<a id="[a-z0-9]+"><\/a>)?([ABC][0-9]{1,2})\s*\|([^|]*)\|([^|]*)\|/.exec(line);
    if (m?.[1] !== undefined) defs.set(m[1], { definition: (m[2] ?? '').trim(), source: (m[3] ?? '').trim() });
  }
  return defs;
}

function usedClauseIds(): Map<string, string> {
  const used = new Map<string, string>(); // id -> first file using it
  for (const file of sources) {
    for (const m of readText(file).matchAll(CLAUSE)) {
      const id = `${m[1]}${m[2]}`;
      if (!used.has(id)) used.set(id, path.relative(repoRoot, file));
    }
  }
  return used;
}

describe('docs: clause ids', () => {
  const defs = parseClauseDefinitions(readText(path.join(repoRoot, 'docs', 'spec-coverage.md')));

  it('the definition parser reads id, definition and source, and ignores other rows', () => {
    const parsed = parseClauseDefinitions('| Id | What | Source |\n|---|---|---|\n| A7 | health | spec "GetHealthStatus" |\n| C12 covered | x | y |\n');
    assert.deepEqual([...parsed.keys()], ['A7']);
    assert.deepEqual(parsed.get('A7'), { definition: 'health', source: 'spec "GetHealthStatus"' });
  });

  it('docs/spec-coverage.md defines every clause A1..A18, B1..B12, C1..C71 with words and a source', () => {
    for (const [part, last] of Object.entries(RANGE)) {
      for (let n = 1; n <= last; n += 1) {
        const def = defs.get(`${part}${n}`);
        assert.ok(def, `${part}${n} is not defined in docs/spec-coverage.md`);
        assert.ok(def.definition.length >= 10, `${part}${n} has no definition`);
        assert.ok(def.source.length >= 3, `${part}${n} has no source`);
      }
    }
  });

  it('every clause id used in the repository is defined there (and none is out of range)', () => {
    const undefinedIds = [...usedClauseIds()].filter(([id]) => !defs.has(id)).map(([id, file]) => `${id} (first used in ${file})`);
    assert.deepEqual(undefinedIds, []);
  });

  it('nothing points at a specification file outside the repository', () => {
    const needles = ['../' + 'shared', 'xks-spec' + '.md', '/work' + '/'];
    const hits = sources.flatMap((file) => {
      const text = readText(file);
      return needles.filter((n) => text.includes(n)).map((n) => `${path.relative(repoRoot, file)} mentions ${n}`);
    });
    assert.deepEqual(hits, []);
  });
});
