import { CKR, ckrName, ckrOf } from './ckr.js';
import type { Pkcs11, Pkcs11Binding } from './load-binding.js';
import { Pkcs11SetupError } from './setup-error.js';

/**
 * PKCS#11 libraries loaded in this process. A library is initialised once per process (C_Initialize), whatever the
 * number of users: the backend being replaced by a reload and its successor share it, and C_Finalize runs when the
 * last one lets go. Created by the composition root (one per process) and passed down; never module-level state.
 */
export interface LoadedModule {
  readonly path: string;
  readonly pkcs11: Pkcs11;
  /**
   * Token label -> the PIN this process logged in with. Login is per token and process: while one session is logged
   * in, C_Login answers CKR_USER_ALREADY_LOGGED_IN whatever the PIN, so a new PIN is compared with this one instead.
   */
  readonly logins: Map<string, string>;
  /** C_Finalize then C_Initialize: every session and handle of every user is gone afterwards. Throws on failure. */
  reinitialize(): void;
  /** This user is done; the last release finalises the library. */
  release(): void;
}

export interface Pkcs11Modules {
  readonly binding: Pkcs11Binding;
  /** Load and initialise `path` (or share it); Pkcs11SetupError('module') when it cannot be. */
  acquire(path: string): LoadedModule;
}

export function createPkcs11Modules(binding: Pkcs11Binding): Pkcs11Modules {
  const loaded = new Map<string, { pkcs11: Pkcs11; users: number; logins: Map<string, string> }>();
  const initialize = (p: Pkcs11, path: string): void => {
    try {
      p.C_Initialize({ flags: binding.CKF_OS_LOCKING_OK });
    } catch (error) {
      if (ckrOf(error) !== CKR.CRYPTOKI_ALREADY_INITIALIZED) throw new Pkcs11SetupError('module', `C_Initialize of ${path} failed: ${ckrName(ckrOf(error))}`);
    }
  };
  return {
    binding,
    acquire(path) {
      let entry = loaded.get(path);
      if (entry === undefined) {
        const pkcs11 = new binding.PKCS11();
        try {
          pkcs11.load(path);
        } catch (error) {
          throw new Pkcs11SetupError('module', `cannot load the PKCS#11 library ${path}: ${(error as Error).message.split('\n')[0] ?? 'error'}`);
        }
        initialize(pkcs11, path);
        entry = { pkcs11, users: 0, logins: new Map<string, string>() };
        loaded.set(path, entry);
      }
      entry.users++;
      const current = entry;
      let released = false;
      return {
        path,
        pkcs11: current.pkcs11,
        logins: current.logins,
        reinitialize() {
          current.logins.clear();
          try {
            current.pkcs11.C_Finalize();
          } catch {
            // a broken library may refuse C_Finalize; C_Initialize tells
          }
          initialize(current.pkcs11, path);
        },
        release() {
          if (released) return;
          released = true;
          current.users--;
          if (current.users > 0) return;
          loaded.delete(path);
          try {
            current.pkcs11.C_Finalize();
          } catch {
            // already finalised
          }
        },
      };
    },
  };
}
