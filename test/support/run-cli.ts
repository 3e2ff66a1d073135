/** Run the `xks` program in-process (no child process): output captured, errors returned instead of exiting. */
import { Writable } from 'node:stream';
import { buildProgram } from '../../src/cli/build-program.js';

export interface CliRun {
  readonly stdout: string;
  readonly stderr: string;
  /** The error the command failed with (what main.ts prints as `xks: <message>`), if any. */
  readonly error?: Error;
  /** The exit code the command set through setExitCode (xks check, xks probe), if any. */
  readonly exitCode?: number;
}

function sink(into: string[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      into.push(chunk.toString());
      done();
    },
  });
}

export async function runCli(args: readonly string[], options: { cwd: string; env?: Record<string, string | undefined> }): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  let exitCode: number | undefined;
  const program = buildProgram({
    env: options.env ?? {},
    cwd: options.cwd,
    stdout: sink(out),
    stderr: sink(err),
    stopSignal: new Promise(() => {}),
    setExitCode: (code) => (exitCode = code),
  });
  program.exitOverride();
  for (const sub of program.commands) {
    sub.exitOverride();
    for (const s of sub.commands) s.exitOverride();
  }
  let error: Error | undefined;
  try {
    await program.parseAsync(['node', 'xks', ...args]);
  } catch (e) {
    error = e instanceof Error ? e : new Error(String(e));
  }
  return { stdout: out.join(''), stderr: err.join(''), ...(error !== undefined && { error }), ...(exitCode !== undefined && { exitCode }) };
}
