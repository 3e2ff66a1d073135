/** Run `xks` as a child process to completion (bounded in time), for tests of exit codes and messages. */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { MAIN_TS, REPO_ROOT, TSX_LOADER } from './proxy-process.js';

export interface XksRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time until exit. */
  readonly ms: number;
}

/** `xks <args>`; killed with SIGKILL (and reported with code null) if it has not exited after timeoutMs. */
export function runXks(args: readonly string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<XksRun> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', TSX_LOADER, MAIN_TS, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000); // a hang guard: tsx starts slowly on a loaded machine
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // 'exit' can come before the last data; 'close' follows once the pipes are drained.
      child.once('close', () => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
    });
  });
}

/** A port on 127.0.0.1 held by a plain TCP server for the duration of a test (a port that is "in use"). */
export async function occupyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, server };
}
