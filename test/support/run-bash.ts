/**
 * A bash script run without blocking the test's event loop (spawnSync would): while it runs, the test keeps reading
 * the output of the processes it started, so a child proxy that logs every request never blocks on a full pipe.
 */
import { spawn } from 'node:child_process';

export interface BashResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runBash(script: string, options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<BashResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-c', script], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // A hang guard, not a timing assertion.
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
