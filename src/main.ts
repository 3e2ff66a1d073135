#!/usr/bin/env node
/** Composition root: the only place that reads process.env and process signals. */
import { buildProgram } from './cli/build-program.js';
import { ConfigError } from './config/load-config.js';

const stopSignal = new Promise<string>((resolve) => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
});

try {
  await buildProgram({ env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, stopSignal }).parseAsync(
    process.argv,
  );
} catch (error) {
  process.stderr.write(`xks: ${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
