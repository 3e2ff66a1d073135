import { readFileSync } from 'node:fs';

/** The version in package.json (two levels up from src/cli/ and from dist/cli/ alike), for `xks --version`. */
export function readPackageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
  return `${typeof manifest.name === 'string' ? manifest.name : 'xks-proxy'} ${typeof manifest.version === 'string' ? manifest.version : 'unknown'}`;
}
