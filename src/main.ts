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
  await buildProgram({ env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, stopSignal, reloadSignal }).parseAsync(
    process.argv,
  );
} catch (error) {
  process.stderr.write(`xks: ${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
