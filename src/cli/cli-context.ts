import type { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';

/** What a command may touch of the outside world; main.ts fills it from `process`, tests fill it by hand. */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  readonly stopSignal: Promise<string>;
  /** Emits 'reload' (with the signal name) when the process is asked to reload its configuration (SIGHUP). */
  readonly reloadSignal?: EventEmitter;
  /** Set the process exit code without failing (xks check: 1 on a MUST failure; xks probe: 0-3). */
  readonly setExitCode?: (code: number) => void;
}

/** The environment variable naming the configuration file when --config is not given. */
export const CONFIG_ENV_VAR = 'XKS_CONFIG';
