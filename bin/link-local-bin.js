// Run by `npm ci` / `npm install` (package.json "prepare"). npm links the bins of dependencies into
// node_modules/.bin but never the project's own, and `npx xks` in a checkout looks there.
import { chmodSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';

mkdirSync('node_modules/.bin', { recursive: true });
rmSync('node_modules/.bin/xks', { force: true });
symlinkSync('../../bin/xks.js', 'node_modules/.bin/xks');
chmodSync('bin/xks.js', 0o755);
