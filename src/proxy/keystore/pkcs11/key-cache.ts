import { KeyNotFoundException } from '../../../errors/xks-errors.js';
import type { Logger } from '../../../logging/create-logger.js';
import { ckrOf, isKeyGone } from './ckr.js';
import { findKeyByLabel, type FoundKey } from './find-key.js';
import { createKeyCopies } from './key-copies.js';
import type { Pkcs11, Pkcs11Binding, Pkcs11Handle } from './load-binding.js';
import type { Pkcs11Config } from './pkcs11-config.js';

/**
 * The backend's keys by external key id (docs/hsm.md "Key lookup"): found by label, trusted for `keyCacheMs`, and
 * used through a session copy (key-copies.ts) when `sessionCopies` is on and the HSM allows it. Runs on the event loop,
 * in the session of the request that needs the key.
 */
export interface KeyCache {
  /** The cached lookup when it is younger than keyCacheMs (`found` undefined: the key was missing). */
  cached(externalKeyId: string): { readonly found: FoundKey | undefined } | undefined;
  /** Ask the token now, and cache the answer. */
  lookup(session: Pkcs11Handle, externalKeyId: string): FoundKey | undefined;
  /** Run `call` with the key's handle; a handle gone stale (the key deleted, its copy's session closed) is found again once. */
  withKey<T>(session: Pkcs11Handle, externalKeyId: string, call: (handle: Pkcs11Handle) => Promise<T>): Promise<T>;
  /** Forget one key (`xks keys create` made it). */
  drop(externalKeyId: string): void;
  /** Forget every key: the sessions were discarded, and the copies with them. */
  clear(): void;
  /** Session copies held now. */
  copies(): number;
}

interface Entry {
  readonly at: number;
  readonly found: FoundKey | undefined;
  /** The session copy the cipher calls use, when one was made. */
  readonly copy?: Pkcs11Handle;
}

export function createKeyCache(deps: {
  readonly config: Pkcs11Config;
  readonly binding: Pkcs11Binding;
  /** The token's library now (it changes when the module is re-initialised). */
  readonly pkcs11: () => Pkcs11;
  /** Throws when the token does not answer: "no such key" is only believed from a token that answers. */
  readonly requirePresent: () => void;
  readonly now: () => number;
  readonly logger?: Logger;
}): KeyCache {
  const { config } = deps;
  const entries = new Map<string, Entry>();
  const copies = createKeyCopies(deps.pkcs11, deps.binding);
  const copying = config.sessionCopies && config.keyCacheMs > 0;

  function replace(externalKeyId: string, entry: Entry | undefined): void {
    const old = entries.get(externalKeyId);
    if (old?.copy !== undefined) copies.retire(old.copy);
    if (entry === undefined) entries.delete(externalKeyId);
    else entries.set(externalKeyId, entry);
  }

  function lookup(session: Pkcs11Handle, externalKeyId: string): FoundKey | undefined {
    const found = findKeyByLabel(deps.pkcs11(), deps.binding, session, externalKeyId);
    if (found === undefined) deps.requirePresent();
    if (found?.problem !== undefined) deps.logger?.warn({ tokenLabel: config.tokenLabel, externalKeyId, problem: found.problem }, 'HSM key not usable');
    const copy = copying && found !== undefined && found.problem === undefined ? copies.make(session, found.handle) : undefined;
    replace(externalKeyId, { at: deps.now(), found, ...(copy !== undefined && { copy }) });
    copies.sweep(session);
    return found;
  }

  function fresh(externalKeyId: string): Entry | undefined {
    const entry = entries.get(externalKeyId);
    return entry !== undefined && deps.now() - entry.at < config.keyCacheMs ? entry : undefined;
  }

  async function attempt<T>(session: Pkcs11Handle, entry: Entry | undefined, externalKeyId: string, call: (handle: Pkcs11Handle) => Promise<T>): Promise<T> {
    const found = entry?.found;
    if (found === undefined) throw new KeyNotFoundException(`No external key with id ${externalKeyId} in this key store`);
    const handle = entry?.copy ?? found.handle;
    try {
      return await copies.use(handle, () => call(handle));
    } finally {
      copies.sweep(session);
    }
  }

  return {
    cached: fresh,
    lookup,
    async withKey(session, externalKeyId, call) {
      let first = fresh(externalKeyId);
      if (first?.found === undefined) {
        lookup(session, externalKeyId);
        first = entries.get(externalKeyId);
      }
      try {
        return await attempt(session, first, externalKeyId, call);
      } catch (error) {
        if (!isKeyGone(ckrOf(error))) throw error;
        lookup(session, externalKeyId);
        return attempt(session, entries.get(externalKeyId), externalKeyId, call);
      }
    },
    drop: (externalKeyId) => replace(externalKeyId, undefined),
    clear() {
      entries.clear();
      copies.forget();
    },
    copies: () => copies.count(),
  };
}
