/**
 * Real proxy processes for e2e tests and benchmarks: a temporary directory with a config and key files, and
 * `xks serve` started as a child process on 127.0.0.1 with port 0 (the URL is read from its banner).
 *
 * The child writes its stdout and stderr into files, not pipes. A proxy writes its log synchronously and waits for a
 * reader that is behind (src/logging/buffered-stdout.ts): through a pipe, a test that blocked its own event loop
 * (spawnSync, a long synchronous loop) would stall the proxy it was testing once 64 KiB of log waited. A file never
 * waits, and everything the child wrote is there as soon as it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyFileName, serializeKeyFile } from '../../src/proxy/keystore/key-file.js';
import type { XksKey } from '../../src/proxy/keystore/key-store.js';
import { REPO_ROOT } from './repo-root.js';
import { TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET } from './test-app.js';

export { REPO_ROOT };
export const MAIN_TS = join(REPO_ROOT, 'src', 'main.ts');
/** tsx's loader by absolute URL, so child processes can run in any working directory. */
export const TSX_LOADER = import.meta.resolve('tsx');

/**
 * The deep health check's slow threshold in test configs: generous, because a busy machine can stall one round trip
 * past the default 100 ms and turn ACTIVE into DEGRADED in a test that is not about slowness. A test about the
 * threshold sets its own `healthCheck` through extraConfig (or injects a clock in the unit test).
 */
export const TEST_HEALTH_CHECK = Object.freeze({ slowMs: 60_000 });

export interface TempProxyDir {
  readonly dir: string;
  readonly configPath: string;
  readonly keyDir: string;
  cleanup(): void;
}

/** Write a one-store config (prefix, credential, keys) into a fresh temporary directory. */
export function createTempProxyDir(options: {
  keys: readonly XksKey[];
  uriPrefix?: string;
  engine?: 'node' | 'noble';
  logLevel?: string;
  extraConfig?: Record<string, unknown>;
  /** Merged into the one key store's configuration (e.g. a quota). */
  storeConfig?: Record<string, unknown>;
}): TempProxyDir {
  const dir = mkdtempSync(join(tmpdir(), 'xks-proxy-'));
  const keyDir = join(dir, 'keys');
  mkdirSync(keyDir, { mode: 0o700 });
  for (const key of options.keys) writeFileSync(join(keyDir, keyFileName(key.externalKeyId)), serializeKeyFile(key), { mode: 0o600 });
  const config = {
    listen: { host: '127.0.0.1', port: 0 },
    crypto: { engine: options.engine ?? 'node' },
    logging: { level: options.logLevel ?? 'info' },
    healthCheck: TEST_HEALTH_CHECK,
    keyStores: [
      {
        name: 'e2e',
        uriPrefix: options.uriPrefix ?? '',
        regions: [TEST_REGION],
        credentials: [{ accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET }],
        keyDirectory: 'keys',
        ...options.storeConfig,
      },
    ],
    ...options.extraConfig,
  };
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
  return { dir, configPath, keyDir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ProxyProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything the process wrote to stdout (the JSON log) so far. */
  stdout(): string;
  stderr(): string;
  stop(): Promise<number | null>;
}

/** The children's output files, removed when the test process exits (tests read them until the end). */
const childOutputDirs = new Set<string>();
process.once('exit', () => {
  for (const dir of childOutputDirs) rmSync(dir, { recursive: true, force: true });
});

/** A hang guard, not a speed check: under tsx on a loaded 2-core machine a start took over 20 s (issue 21). */
const DEFAULT_START_TIMEOUT_MS = 90_000;

/** Start `xks <args>` (default: serve) with tsx and wait until it prints its listening URL. */
export async function startProxyProcess(
  args: readonly string[],
  options: {
    cwd?: string;
    env?: Record<string, string>;
    timeoutMs?: number;
    stdout?: 'pipe' | 'ignore';
    /** The stderr line that says it is up; group 1 is the URL. Default: the first `listening on <url>`. */
    ready?: RegExp;
  } = {},
): Promise<ProxyProcess> {
  const outputs = mkdtempSync(join(tmpdir(), 'xks-child-'));
  childOutputDirs.add(outputs);
  const outPath = join(outputs, 'stdout');
  const errPath = join(outputs, 'stderr');
  const outFd = openSync(outPath, 'a');
  const errFd = openSync(errPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['--import', TSX_LOADER, MAIN_TS, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', options.stdout === 'ignore' ? 'ignore' : outFd, errFd],
    });
  } finally {
    // The child has its own copies of the descriptors.
    closeSync(outFd);
    closeSync(errFd);
  }
  const read = (path: string) => (): string => readFileSync(path, 'utf8');
  const stdout = read(outPath);
  const stderr = read(errPath);
  const url = await new Promise<string>((resolveUrl, reject) => {
    const stopWaiting = (): void => {
      clearTimeout(timer);
      clearInterval(poll);
      child.off('exit', onExit);
    };
    // A start that times out is killed: a child left running would keep the test file from ever exiting.
    const timer = setTimeout(() => {
      stopWaiting();
      child.kill('SIGKILL');
      reject(new Error(`proxy did not start in time:\n${stderr()}`));
    }, options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    const poll = setInterval(() => {
      const m = (options.ready ?? /listening on (https?:\/\/[^\s]+)/).exec(stderr());
      if (m?.[1] !== undefined) {
        stopWaiting();
        resolveUrl(m[1]);
      }
    }, 20);
    const onExit = (code: number | null): void => {
      stopWaiting();
      reject(new Error(`proxy exited with ${code}:\n${stderr()}`));
    };
    child.once('exit', onExit);
  });
  return {
    child,
    url,
    stdout,
    stderr,
    stop: () =>
      new Promise((resolveStop) => {
        if (child.exitCode !== null) return resolveStop(child.exitCode);
        child.once('exit', (code) => resolveStop(code));
        child.kill('SIGTERM');
      }),
  };
}
