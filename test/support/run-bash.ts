/**
 * A bash script run without blocking the test's event loop (spawnSync would): while it runs, the test keeps reading
 * the output of the processes it started.
 */
import { runChild, type ChildResult } from './run-child.js';

export type BashResult = ChildResult;

export function runBash(script: string, options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<BashResult> {
  return runChild('bash', ['-e', '-c', script], options);
}
