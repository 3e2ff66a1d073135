/**
 * Children that find `node` through PATH (npx and npm, a `#!/usr/bin/env node` bin such as bin/xks.js, a shell
 * script) run whatever `node` comes first there. When the suite runs on another Node.js line
 * (scripts/test-on-node.sh), that must be the runner's own runtime, not the machine's: this puts the directory of
 * process.execPath first on PATH. Children started as node processes take process.execPath directly instead.
 */
import { delimiter, dirname } from 'node:path';

/** `env` (default: this process's) with the test runner's Node.js directory first on PATH. */
export function runtimeEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const runtimeDir = dirname(process.execPath);
  const rest = (env['PATH'] ?? '').split(delimiter).filter((entry) => entry !== '' && entry !== runtimeDir);
  return { ...env, PATH: [runtimeDir, ...rest].join(delimiter) };
}
