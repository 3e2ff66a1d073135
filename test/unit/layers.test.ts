/**
 * The tree's one map: the layers of src/, lowest first. A file may import (type imports included) only from its own
 * layer or from a layer listed before it, so no two folders import each other and nothing imports upwards. A file
 * belongs to the deepest layer whose folder contains it. Add a new folder here, in its place, before using it.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

export const LAYERS: readonly string[] = [
  // the pure core: knows nothing of Express, servers, files or processes
  'errors',
  'crypto',
  'sigv4',
  'logging',
  'xks',
  // pure rules about network names (which Host headers a local-only listener answers)
  'net',
  // the one client of an XKS proxy, shared by the emulator, the checker and the probe
  'xks-client',
  // the proxy
  'proxy/authz',
  'proxy/throttle',
  'proxy/usage',
  'proxy/faults',
  'proxy/keystore',
  'proxy/config',
  'proxy/operations',
  'proxy/explain',
  'proxy/http',
  'proxy/transport',
  'proxy/health',
  'proxy/admin',
  'proxy/metrics',
  'proxy/server',
  // the KMS side, locally
  'kms-emulator/store',
  'kms-emulator/access',
  'kms-emulator/context',
  'kms-emulator/wire',
  'kms-emulator/custom-key-stores',
  'kms-emulator/resources',
  'kms-emulator/troubleshooting',
  'kms-emulator/console',
  'kms-emulator',
  // tools
  'check',
  'probe',
  // the `xks` command and the composition root
  'cli',
  '.',
];

/** Lines a source file may have; past about 300, split it. */
export const MAX_FILE_LINES = 400;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function folders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => [join(dir, e.name), ...folders(join(dir, e.name))]);
}

/** The layer a path under src/ (without extension games) belongs to: the deepest listed folder containing it. */
export function layerOf(pathInSrc: string): string {
  const dir = dirname(pathInSrc);
  let best = '.';
  for (const layer of LAYERS) {
    if (layer !== '.' && (dir === layer || dir.startsWith(`${layer}/`)) && layer.length > best.length) best = layer;
  }
  if (best === '.' && dir !== '.') throw new Error(`src/${pathInSrc}: its folder is in no layer; add it to LAYERS`);
  return best;
}

/** Every relative import of a file: static, type-only, dynamic and re-exports. */
export function relativeImports(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) found.push(m[1] as string);
  return found;
}

export function violations(files: ReadonlyMap<string, string>): string[] {
  const rank = new Map(LAYERS.map((l, i) => [l, i] as const));
  const problems: string[] = [];
  for (const [file, source] of files) {
    const from = layerOf(file);
    for (const spec of relativeImports(source)) {
      const target = normalize(join(dirname(file), spec));
      if (target.startsWith('..')) {
        problems.push(`src/${file} imports ${spec}, outside src/`);
        continue;
      }
      const to = layerOf(target);
      if ((rank.get(to) as number) > (rank.get(from) as number)) problems.push(`src/${file} (${from}) imports ${spec} (${to}), a layer above it`);
    }
  }
  return problems;
}

describe('the layers of src/', () => {
  const files = new Map(sourceFiles(SRC).map((f) => [relative(SRC, f), readFileSync(f, 'utf8')] as const));

  test('every file imports only its own layer or layers below it', () => {
    assert.ok(files.size > 150, `read ${files.size} files`);
    assert.deepEqual(violations(files), []);
  });

  test(`no source file passes ${MAX_FILE_LINES} lines`, () => {
    const long = [...files].filter(([, s]) => s.split('\n').length > MAX_FILE_LINES).map(([f, s]) => `src/${f}: ${s.split('\n').length}`);
    assert.deepEqual(long, []);
  });

  test('every folder of src/ is a listed layer or inside one', () => {
    for (const f of files.keys()) assert.doesNotThrow(() => layerOf(f));
  });

  test('the check itself fails on an upward import, a loop and a type import', () => {
    const upward = new Map([['crypto/aes.ts', "import { X } from '../xks/limits.js';"]]);
    assert.equal(violations(upward).length, 1);
    const loop = new Map([
      ['proxy/http/a.ts', "import type { B } from '../explain/b.js';"],
      ['proxy/explain/b.ts', "import type { A } from '../http/a.js';"],
    ]);
    assert.deepEqual(violations(loop), ["src/proxy/explain/b.ts (proxy/explain) imports ../http/a.js (proxy/http), a layer above it"]);
    const dynamic = new Map([['xks/a.ts', "const m = await import('../proxy/server/start.js');"]]);
    assert.equal(violations(dynamic).length, 1);
    assert.throws(() => layerOf('nowhere/x.ts'), /no layer/);
  });

  test('test/unit mirrors src: every folder under test/unit is a folder of src', () => {
    const unit = join(ROOT, 'test', 'unit');
    const strays = folders(unit).map((d) => relative(unit, d)).filter((d) => !existsSync(join(SRC, d)));
    assert.deepEqual(strays, []);
  });

  test('nothing under test/ imports bench/ (bench and scripts may use test/support)', () => {
    const testFiles = sourceFiles(join(ROOT, 'test'));
    const offenders = testFiles.filter((f) => relativeImports(readFileSync(f, 'utf8')).some((spec) => normalize(join(dirname(f), spec)).startsWith(join(ROOT, 'bench'))));
    assert.deepEqual(offenders.map((f) => relative(ROOT, f)), []);
  });
});
