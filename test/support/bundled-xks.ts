/**
 * The `xks` command as one plain JavaScript file (esbuild, already present as tsx's engine), for tests that start
 * it many times: a start then costs a fraction of what tsx's loader costs (per process: a fleet's workers too).
 * Packages stay external and resolve through a node_modules link; package.json is read relative to the source
 * files (src/cli/, src/proxy/metrics/), so a copy of it sits at both of those depths above the bundle.
 */
import { buildSync } from 'esbuild';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN_TS, REPO_ROOT } from './proxy-process.js';

export interface BundledXks {
  /** The file to run with `process.execPath`. */
  readonly script: string;
  cleanup(): void;
}

export function bundleXks(): BundledXks {
  const root = mkdtempSync(join(tmpdir(), 'xks-bundle-'));
  const dir = join(root, 'p', 'a', 'b');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(REPO_ROOT, 'package.json'), join(root, 'package.json'));
  copyFileSync(join(REPO_ROOT, 'package.json'), join(root, 'p', 'package.json'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  const script = join(dir, 'xks.mjs');
  buildSync({ entryPoints: [MAIN_TS], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: script, logLevel: 'error' });
  return { script, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
