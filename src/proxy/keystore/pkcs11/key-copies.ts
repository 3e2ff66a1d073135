import type { Pkcs11, Pkcs11Binding, Pkcs11Handle } from './load-binding.js';
import { ckrOf, isDeviceError } from './ckr.js';

/**
 * Session copies of token keys (docs/hsm.md "Session copies"). When the backend finds a key it copies the token
 * object into a session object (C_CopyObject with CKA_TOKEN false) and runs the cipher calls with the copy until the
 * cache entry expires: the material stays in the HSM (a copy keeps CKA_SENSITIVE and cannot be made extractable), and
 * a session object is held in the library's memory, where SoftHSM2 reads a token object from its file at every
 * C_EncryptInit and C_DecryptInit. An HSM that refuses the copy is used through the token object.
 *
 * A copy is retired when its cache entry is replaced, and destroyed once no call uses it; before destroying, the
 * handle is asked for CKA_TOKEN, so a handle the HSM gave to something else is never a token key that gets deleted.
 * Every function here runs on the event loop, in a session the caller holds.
 */
export interface KeyCopies {
  /** A session copy of the token key `tokenKey`, or undefined when the HSM refuses to copy it. Device errors throw. */
  make(session: Pkcs11Handle, tokenKey: Pkcs11Handle): Pkcs11Handle | undefined;
  /** Run a call that uses `handle`: a retired copy is destroyed only once none of these is running. */
  use<T>(handle: Pkcs11Handle, call: () => Promise<T>): Promise<T>;
  /** Hand the copy out no more; it is destroyed by a later sweep once unused. */
  retire(copy: Pkcs11Handle): void;
  /** Destroy the retired copies no call uses, in `session`. */
  sweep(session: Pkcs11Handle): void;
  /** Forget every copy: the sessions that held them are closed (device error, re-initialisation). */
  forget(): void;
  /** Copies that exist now (handed out or waiting to be destroyed). */
  count(): number;
}

const key = (h: Pkcs11Handle): string => h.toString('hex');

export function createKeyCopies(p: () => Pkcs11, binding: Pkcs11Binding): KeyCopies {
  const inUse = new Map<string, number>();
  const live = new Set<string>();
  let retired: Pkcs11Handle[] = [];

  function destroy(session: Pkcs11Handle, copy: Pkcs11Handle): void {
    live.delete(key(copy));
    try {
      const [token] = p().C_GetAttributeValue(session, copy, [{ type: binding.CKA_TOKEN }]);
      const isToken = Buffer.isBuffer(token?.value) && token.value.length > 0 && token.value[0] !== 0;
      if (!isToken) p().C_DestroyObject(session, copy);
    } catch (error) {
      // Gone already (its session was closed): nothing to destroy. A device error surfaces at the next call.
      if (isDeviceError(ckrOf(error))) throw error;
    }
  }

  return {
    make(session, tokenKey) {
      try {
        const copy = p().C_CopyObject(session, tokenKey, [{ type: binding.CKA_TOKEN, value: false }]);
        live.add(key(copy));
        return copy;
      } catch (error) {
        if (isDeviceError(ckrOf(error))) throw error;
        return undefined; // CKA_COPYABLE false, or no C_CopyObject: the token object serves
      }
    },
    async use(handle, call) {
      const k = key(handle);
      inUse.set(k, (inUse.get(k) ?? 0) + 1);
      try {
        return await call();
      } finally {
        const left = (inUse.get(k) ?? 1) - 1;
        if (left === 0) inUse.delete(k);
        else inUse.set(k, left);
      }
    },
    retire(copy) {
      if (live.has(key(copy))) retired.push(copy);
    },
    sweep(session) {
      if (retired.length === 0) return;
      const unused = retired.filter((c) => !inUse.has(key(c)));
      retired = retired.filter((c) => inUse.has(key(c)));
      for (const copy of unused) destroy(session, copy);
    },
    forget() {
      live.clear();
      retired = [];
    },
    count: () => live.size,
  };
}
