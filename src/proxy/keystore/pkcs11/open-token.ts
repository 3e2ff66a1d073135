import type { Pkcs11Config } from './pkcs11-config.js';
import { CKR, ckrName, ckrOf, isPinError } from './ckr.js';
import type { Pkcs11, Pkcs11Binding, Pkcs11Handle } from './load-binding.js';
import type { LoadedModule } from './pkcs11-modules.js';
import { Pkcs11SetupError } from './setup-error.js';

export { Pkcs11SetupError };

/** The module loaded and initialised, the token found by its label and logged in to once. */
export interface OpenToken {
  readonly pkcs11: Pkcs11;
  readonly slot: Pkcs11Handle;
  /** "SoftHSM project SoftHSM v2": manufacturer and model from C_GetTokenInfo. */
  readonly model: string;
  /** A new serving session (read-only), logged in (CKR_USER_ALREADY_LOGGED_IN is success: login is per token). */
  openSession(): Pkcs11Handle;
  /** A read-write session for `xks keys create` (C_GenerateKey of a token object). */
  openWriteSession(): Pkcs11Handle;
  closeSession(session: Pkcs11Handle): void;
  /** Throws when the token stopped answering (the cheap liveness call: C_GetTokenInfo). */
  checkPresent(): void;
}

/** A token label as PKCS#11 stores it: 32 bytes padded with blanks. */
const trimLabel = (label: string): string => label.replace(/[\s\0]+$/, '');

/** Thrown when the token is logged in with another PIN than the one given (a changed PIN needs a restart). */
class PinMismatchError extends Error {}

function login(p: Pkcs11, binding: Pkcs11Binding, session: Pkcs11Handle, pin: string, module: LoadedModule, tokenLabel: string): void {
  try {
    p.C_Login(session, binding.CKU_USER, pin);
    module.logins.set(tokenLabel, pin);
  } catch (error) {
    if (ckrOf(error) !== CKR.USER_ALREADY_LOGGED_IN) throw error;
    const current = module.logins.get(tokenLabel);
    if (current !== undefined && current !== pin) throw new PinMismatchError('the token is logged in with another PIN; a changed PIN takes effect at the next restart');
  }
}

/**
 * Find the token of a `pkcs11` block in an initialised library and log in once; every failure names the field (never
 * the PIN). Synchronous: used at start and on reload.
 */
export function openToken(config: Pkcs11Config, binding: Pkcs11Binding, module: LoadedModule): OpenToken {
  const p = module.pkcs11;
  const fail = (field: string, message: string): never => {
    throw new Pkcs11SetupError(field, message);
  };
  let slot: Pkcs11Handle | undefined;
  let model = '';
  const labels: string[] = [];
  try {
    for (const s of p.C_GetSlotList(true)) {
      const info = p.C_GetTokenInfo(s);
      const label = trimLabel(info.label);
      labels.push(label);
      if (label === config.tokenLabel && slot === undefined) {
        slot = s;
        model = `${trimLabel(info.manufacturerID)} ${trimLabel(info.model)}`.trim();
      }
    }
  } catch (error) {
    fail('tokenLabel', `cannot list the tokens of ${config.module}: ${ckrName(ckrOf(error))}`);
  }
  if (slot === undefined) {
    return fail('tokenLabel', `no token labelled ${JSON.stringify(config.tokenLabel)} in ${config.module} (tokens: ${labels.map((l) => JSON.stringify(l)).join(', ') || 'none'})`);
  }
  const found = slot;
  const open = (flags: number): Pkcs11Handle => {
    const session = p.C_OpenSession(found, flags);
    try {
      login(p, binding, session, config.pin, module, config.tokenLabel);
    } catch (error) {
      p.C_CloseSession(session);
      throw error;
    }
    return session;
  };
  const pinField = config.pinSource.startsWith('$') ? 'pinEnv' : 'pinFile';
  try {
    p.C_CloseSession(open(binding.CKF_SERIAL_SESSION));
  } catch (error) {
    const code = ckrOf(error);
    if (error instanceof PinMismatchError) fail(pinField, `the PIN from ${config.pinSource} differs from the one token ${JSON.stringify(config.tokenLabel)} is logged in with; a changed PIN takes effect at the next restart`);
    fail(isPinError(code) ? pinField : 'tokenLabel', isPinError(code)
      ? `the PIN from ${config.pinSource} is refused by token ${JSON.stringify(config.tokenLabel)}: ${ckrName(code)}`
      : `cannot log in to token ${JSON.stringify(config.tokenLabel)}: ${ckrName(code)}`);
  }
  return {
    pkcs11: p,
    slot: found,
    model: model === '' ? 'PKCS#11 token' : model,
    openSession: () => open(binding.CKF_SERIAL_SESSION),
    openWriteSession: () => open(binding.CKF_SERIAL_SESSION | binding.CKF_RW_SESSION),
    closeSession: (session) => p.C_CloseSession(session),
    checkPresent: () => void p.C_GetTokenInfo(found),
  };
}
