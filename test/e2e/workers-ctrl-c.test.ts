/**
 * Ctrl-C on `xks serve --workers 2` in a terminal: the terminal sends SIGINT to the whole foreground process group,
 * the primary and both workers at once. The fleet must stop cleanly every time (exit 0), not now and then die on a
 * write to a worker whose channel is already closing (`Error: write EPIPE`, exit 1: about 2 runs in 5 before).
 *
 * The loop: 50 starts, each in its own process group (as a terminal's job), SIGINT to the group once the fleet
 * listens, then the exit code and stderr. The limits of the proof: 50 runs make a 40 % failure all but certain to
 * show (0.6^50), a rare one not; the `xks` command runs as an esbuild bundle so each start is cheap
 * (test/support/bundled-xks.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bundleXks, type BundledXks } from '../support/bundled-xks.js';

const RUNS = 50;
let bundle: BundledXks;
let dir: string;

before(() => {
  bundle = bundleXks();
  dir = mkdtempSync(join(tmpdir(), 'xks-ctrl-c-'));
});
after(() => {
  bundle.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** One terminal job: start, wait for the fleet to listen, SIGINT to the process group; exit code and stderr. */
function ctrlC(): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle.script, 'serve', '--workers', '2', '--port', '0', '--admin-port', '0'], {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let sent = false;
    // Hang guard, not a timing assertion.
    const guard = setTimeout(() => {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
      reject(new Error(`no exit within 120 s:\n${stderr}`));
    }, 120_000);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && /xks-proxy listening on/.test(stderr)) {
        sent = true;
        process.kill(-(child.pid ?? 0), 'SIGINT');
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stderr });
    });
  });
}

test(`xks serve --workers 2: SIGINT to the process group (Ctrl-C), ${RUNS} times -> exit 0 every time, no EPIPE`, { timeout: 1_200_000 }, async () => {
  const failures: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await ctrlC();
    if (r.code !== 0 || /EPIPE|Error:/.test(r.stderr)) failures.push(`run ${i + 1}: exit ${r.code ?? r.signal}\n${r.stderr.slice(-1500)}`);
  }
  assert.deepEqual(failures, [], failures.join('\n---\n'));
});
