/**
 * A real SoftHSM2 token per test (docs/hsm.md): its own SOFTHSM2_CONF and token directory under a temp dir, made by
 * `softhsm2-util`; keys made by OpenSC's `pkcs11-tool` (an independent tool). Needs Debian's softhsm2 and opensc.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
export const SOFTHSM_PIN = '1234';

/** Why the HSM tests cannot run here, or undefined when they can (used as `skip` so the reason is printed). */
export function softHsmMissing(): string | undefined {
  if (!existsSync(SOFTHSM_MODULE)) return `${SOFTHSM_MODULE} not installed (apt-get install softhsm2)`;
  try {
    execFileSync('pkcs11-tool', ['--help'], { stdio: 'ignore' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'pkcs11-tool not installed (apt-get install opensc)';
  }
  return undefined;
}

export interface SoftHsmToken {
  readonly dir: string;
  /** SOFTHSM2_CONF for this token (set it in process.env before opening the module, or in a child's env). */
  readonly conf: string;
  readonly tokenDir: string;
  readonly module: string;
  readonly tokenLabel: string;
  readonly pin: string;
  /** A file holding the PIN (mode 600), for `pkcs11.pinFile`. */
  readonly pinFile: string;
  readonly env: Record<string, string>;
  /** `pkcs11-tool --keygen --key-type AES:<bytes> --label <label>` (32 bytes by default). */
  keygen(label: string, bytes?: number): void;
  /** `pkcs11-tool --write-object` of known key bytes, extractable (interoperability tests only). */
  importKey(label: string, material: Uint8Array): void;
  /** `pkcs11-tool --delete-object` of the secret key with this label. */
  deleteKey(label: string): void;
  /** The `pkcs11` block of a key store on this token. */
  configBlock(extra?: Record<string, unknown>): Record<string, unknown>;
  cleanup(): void;
}

export function createSoftHsmToken(tokenLabel = 'xks-test'): SoftHsmToken {
  const dir = mkdtempSync(join(tmpdir(), 'xks-softhsm-'));
  const tokenDir = join(dir, 'tokens');
  mkdirSync(tokenDir);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const pinFile = join(dir, 'hsm-pin');
  writeFileSync(pinFile, `${SOFTHSM_PIN}\n`, { mode: 0o600 });
  const env = { ...process.env, SOFTHSM2_CONF: conf } as Record<string, string>;
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', tokenLabel, '--so-pin', '87654321', '--pin', SOFTHSM_PIN], { env, stdio: 'ignore' });
  const tool = (args: string[]) => execFileSync('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', tokenLabel, '--login', '--pin', SOFTHSM_PIN, ...args], { env, stdio: 'pipe' });
  return {
    dir,
    conf,
    tokenDir,
    module: SOFTHSM_MODULE,
    tokenLabel,
    pin: SOFTHSM_PIN,
    pinFile,
    env: { SOFTHSM2_CONF: conf },
    keygen: (label, bytes = 32) => void tool(['--keygen', '--key-type', `AES:${bytes}`, '--label', label]),
    importKey(label, material) {
      const file = join(dir, `${label}.bin`);
      writeFileSync(file, material, { mode: 0o600 });
      tool(['--write-object', file, '--type', 'secrkey', '--key-type', `AES:${material.length}`, '--label', label, '--extractable', '--usage-decrypt']);
      rmSync(file);
    },
    deleteKey: (label) => void tool(['--delete-object', '--type', 'secrkey', '--label', label]),
    configBlock: (extra = {}) => ({ module: SOFTHSM_MODULE, tokenLabel, pinFile, ...extra }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
