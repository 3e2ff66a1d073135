import { readFileSync } from 'node:fs';

/** The proxy's version, from package.json (two levels up from both src/metrics and dist/metrics). */
export const PROXY_VERSION: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
