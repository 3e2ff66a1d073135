#!/usr/bin/env node
/** Composition root: the only place that reads process.env and process signals. */
import { EventEmitter } from 'node:events';
import { buildProgram } from './cli/build-program.js';
import { ConfigError } from './config/load-config.js';

const stopSignal = new Promise<string>((resolve) => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
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
    process.stderr.write(`xks: ${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`);
  }
  if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = 1;
}
