#!/usr/bin/env node
// The `xks` command. In a checkout (src/ next to this file and tsx installed) it runs the TypeScript sources, so
// `npx xks` never runs a stale build; where there is no src/ (the container image) it runs the build in dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/main.ts', import.meta.url);
let register;
if (existsSync(source)) {
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    register = undefined; // production install without dev dependencies: use the build
  }
}
if (register !== undefined) {
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/main.js', import.meta.url).href);
}
