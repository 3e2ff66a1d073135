#!/usr/bin/env node
/** Composition root: the only place that reads process.env and process signals. */
import { EventEmitter } from 'node:events';
import { buildProgram } from './cli/build-program.js';
import { describeCliError } from './cli/describe-error.js';

/** After the first SIGINT/SIGTERM a command has this long to stop by itself (close listeners, flush); then it is ended. */
const STOP_GRACE_MS = 5000;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

const stopSignal = new Promise<string>((resolve) => {
  const onSignal = (signal: NodeJS.Signals): void => {
    // A second signal gets Node's default action (immediate exit); a command that ignores the first is ended.
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    setTimeout(() => process.exit(signal === 'SIGINT' ? 130 : 143), STOP_GRACE_MS).unref();
    resolve(signal);
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
});

// SIGHUP reloads the configuration (xks serve); the handler is installed only once a command listens for it.
const reloadSignal = new EventEmitter();
reloadSignal.once('newListener', (event) => {
  if (event === 'reload') process.on('SIGHUP', () => reloadSignal.emit('reload', 'SIGHUP'));
});

try {
  await buildProgram({ env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, stopSignal, reloadSignal, setExitCode: (code) => (process.exitCode = code) }).parseAsync(
    process.argv,
  );
} catch (error) {
  // commander has printed its own message for usage errors; a command may have chosen the exit code (xks probe: 3).
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('commander.')) {
    process.stderr.write(`xks: ${describeCliError(error, process.getuid?.())}\n`);
  }
  if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = 1;
  // Exit now: whatever the failed command had started (a listener, a timer) must not keep the process alive.
  process.exit();
}
