/**
 * A fault-injecting PKCS#11 library over a real one (pkcs11-shim/fault-shim.c): the C file is compiled once per test
 * process with gcc (Debian's g++, which `.ci/run` installs, depends on gcc), and its C_Encrypt/C_Decrypt answer
 * CKR_DEVICE_ERROR or sleep before forwarding, as the control file says. The faults happen inside the native call,
 * whichever thread makes it, so they reach a library loaded in a worker thread or a child process too.
 *
 * The library reads its two environment variables once, on its first load in a process; so there is one shim per
 * process (one compiled library, one control file), and `faultShim()` returns it each time, set back to 'ok'.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './repo-root.js';
import { SOFTHSM_MODULE, softHsmMissing } from './softhsm.js';

const SOURCE = join(REPO_ROOT, 'test', 'support', 'pkcs11-shim', 'fault-shim.c');
/** The OASIS headers pkcs11js ships (the npm package is a dependency already). */
const HEADERS = join(REPO_ROOT, 'node_modules', 'pkcs11js', 'includes');
const COMPILER = 'gcc';
/** The largest delay the C side accepts (fault-shim.c refuses more and forwards). */
const MAX_DELAY_MS = 600_000;

/**
 * 'ok': forward unchanged; 'device-error': C_Encrypt/C_Decrypt answer CKR_DEVICE_ERROR without forwarding; delayMs:
 * C_Encrypt/C_Decrypt sleep, then forward; initDelayMs: C_EncryptInit/C_DecryptInit/C_GenerateRandom sleep, then forward;
 * 'corrupt-decrypt': C_Decrypt answers with its first byte flipped.
 */
export type FaultMode = 'ok' | 'device-error' | 'corrupt-decrypt' | { readonly delayMs: number } | { readonly initDelayMs: number };

export interface FaultShim {
  /** The compiled library: give it as `pkcs11.module` (or to pkcs11js's `load`). */
  readonly modulePath: string;
  /** The real library behind it. */
  readonly target: string;
  readonly controlFile: string;
  /** XKS_PKCS11_SHIM_TARGET and XKS_PKCS11_SHIM_CONTROL, for a child process's env (already in process.env). */
  readonly env: Readonly<Record<string, string>>;
  /** Takes effect on the next wrapped call of every thread and process using this shim. */
  set(mode: FaultMode): void;
  /** Back to 'ok'. The compiled library stays for the process (it may still be loaded) and goes at exit. */
  cleanup(): void;
}

/** Why the shim cannot be used here, or undefined when it can (used as `skip`, so the reason is printed). */
export function faultShimMissing(): string | undefined {
  const hsm = softHsmMissing();
  if (hsm !== undefined) return hsm;
  if (!existsSync(join(HEADERS, 'pkcs11', 'pkcs11.h'))) return `${HEADERS}/pkcs11/pkcs11.h missing (npm ci)`;
  try {
    execFileSync(COMPILER, ['--version'], { stdio: 'ignore' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return `${COMPILER} not installed (apt-get install g++)`;
  }
  return undefined;
}

/** The content of the control file for a mode (exported for the shim's own test). */
export function controlText(mode: FaultMode): string {
  if (mode === 'ok') return '';
  if (mode === 'device-error' || mode === 'corrupt-decrypt') return `${mode}\n`;
  const [word, ms] = 'delayMs' in mode ? ['delay', mode.delayMs] : ['delay-init', mode.initDelayMs];
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_DELAY_MS) {
    throw new RangeError(`a delay must be an integer from 0 to ${MAX_DELAY_MS} ms, got ${String(ms)}`);
  }
  return `${word} ${ms}\n`;
}

let current: FaultShim | undefined;

/** The process's shim over `target` (SoftHSM2 by default), compiled on the first call; its mode is set to 'ok'. */
export function faultShim(target: string = SOFTHSM_MODULE): FaultShim {
  if (current === undefined) current = buildShim(target);
  else if (current.target !== target) throw new Error(`this process's fault shim is over ${current.target}; one target per process`);
  current.set('ok');
  return current;
}

function buildShim(target: string): FaultShim {
  const dir = mkdtempSync(join(tmpdir(), 'xks-pkcs11-shim-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const modulePath = join(dir, 'fault-shim.so');
  try {
    execFileSync(COMPILER, ['-x', 'c', '-std=c11', '-Wall', '-Wextra', '-Werror', '-O2', '-shared', '-fPIC', '-I', HEADERS, '-o', modulePath, SOURCE, '-ldl', '-pthread'], { stdio: 'pipe' });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`compiling ${SOURCE} failed: ${stderr || (error as Error).message}`);
  }
  const controlFile = join(dir, 'control');
  writeFileSync(controlFile, '');
  const env = { XKS_PKCS11_SHIM_TARGET: target, XKS_PKCS11_SHIM_CONTROL: controlFile };
  // The C side reads these with getenv when the library is first loaded; process.env assignments reach it.
  Object.assign(process.env, env);
  const set = (mode: FaultMode): void => {
    // Written aside then renamed: a call reading the file meanwhile sees the old mode or the new one, never half.
    const next = `${controlFile}.next`;
    writeFileSync(next, controlText(mode));
    renameSync(next, controlFile);
  };
  return { modulePath, target, controlFile, env, set, cleanup: () => set('ok') };
}
