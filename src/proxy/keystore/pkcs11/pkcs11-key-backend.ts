import { TagMismatchError } from '../../../crypto/tag-mismatch-error.js';
import { DependencyTimeoutException, InternalException } from '../../../errors/xks-errors.js';
import type { Logger } from '../../../logging/create-logger.js';
import type { Pkcs11Config } from './pkcs11-config.js';
import type { CheckedSeal, GcmSealed, KeyBackend, KeyBackendStats } from '../key-backend.js';
import type { KeyInfo } from '../key-store.js';
import { CKR, ckrName, ckrOf, isDeviceError, isSessionError, isTagFailure } from './ckr.js';
import { findKeyByLabel, listSecretKeyLabels } from './find-key.js';
import { createKeyCache } from './key-cache.js';
import { rebuildFailure } from './hsm-call.js';
import { startHsmThreads, HsmThreadError } from './hsm-threads.js';
import { loadPkcs11Binding, type Pkcs11Handle } from './load-binding.js';
import { openToken, type OpenToken } from './open-token.js';
import { createPkcs11Modules, type Pkcs11Modules } from './pkcs11-modules.js';
import { createSessionPool, PoolTimeoutError, type SessionPool } from './session-pool.js';

export interface Pkcs11BackendDeps {
  /** The process's loaded libraries (one C_Initialize per library); default: a registry of this backend's own. */
  readonly modules?: Pkcs11Modules;
  readonly logger?: Logger;
  /** Epoch ms (deadlines, cache ages, backoff). */
  readonly now?: () => number;
  /** Observed after every HSM call that reached the token (seconds, outcome), for /metrics. */
  readonly observeCall?: (operation: 'encrypt' | 'decrypt' | 'lookup' | 'probe', seconds: number, outcome: 'ok' | 'error' | 'deadline') => void;
}

export interface Pkcs11KeyBackend extends KeyBackend {
  readonly kind: 'pkcs11';
  readonly config: Pkcs11Config;
  /** Generate an AES-256 token key under a label (xks keys create): CKA_TOKEN, CKA_SENSITIVE, not extractable. */
  createKey(externalKeyId: string, usage: { encrypt: boolean; decrypt: boolean }): Promise<KeyInfo>;
  /** Every secret key of the token, as GetKeyMetadata would report it (xks keys list). */
  listKeys(): Promise<readonly KeyInfo[]>;
}

/** Thrown inside a call when the device failed: the backend fails over to re-initialisation. */
class DeviceFailure extends Error {}

const UNAVAILABLE = 'The HSM holding this key is unavailable; retry';
const TOO_SLOW = 'The HSM did not answer within the deadline; retry';
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 30_000;

/**
 * The PKCS#11 key backend (docs/hsm.md). The material never enters the process: each request's PKCS#11 calls run
 * in the store's HSM threads (hsm-threads.ts, off the event loop) in a session from a bounded pool; every request's HSM work has a
 * deadline (`callTimeoutMs`, inside KMS's 250 ms) after which it gets DependencyTimeoutException. A device error
 * discards every session, the backend answers InternalException ("unavailable; retry") and re-initialises the module
 * with exponential backoff on the next call or health probe, once no call is in flight. Opening is synchronous and
 * throws Pkcs11SetupError naming the field (start: exit 1; reload: rejected).
 */
export function openPkcs11KeyBackend(config: Pkcs11Config, deps: Pkcs11BackendDeps = {}): Pkcs11KeyBackend {
  const modules = deps.modules ?? createPkcs11Modules(loadPkcs11Binding());
  const binding = modules.binding;
  const now = deps.now ?? Date.now;
  const module = modules.acquire(config.module);
  let token: OpenToken;
  try {
    token = openToken(config, binding, module);
  } catch (error) {
    module.release();
    throw error;
  }
  const counters = { deadlineExceeded: 0, deviceErrors: 0, reinitializations: 0 };
  let failure: { reason: string; nextAttemptAt: number; backoffMs: number } | undefined;
  let closed = false;
  const pool: SessionPool<Pkcs11Handle> = createSessionPool({ max: config.sessions, open: () => token.openSession(), close: (s) => token.closeSession(s), now });
  const threads = startHsmThreads({ modulePath: config.module, count: config.threads });
  let threadsStarted = false;
  void threads.ready.then(() => (threadsStarted = true));

  function fail(reason: string): void {
    counters.deviceErrors++;
    keys.clear();
    pool.discardAll();
    if (failure === undefined) {
      failure = { reason, nextAttemptAt: now() + FIRST_BACKOFF_MS, backoffMs: FIRST_BACKOFF_MS };
      deps.logger?.error({ tokenLabel: config.tokenLabel, reason }, 'HSM unavailable: sessions discarded, re-initialising with backoff');
    }
  }

  /** Re-initialise the module after a device error (never while a call is in flight: C_Finalize would pull it away). */
  function tryRecover(): void {
    if (failure === undefined || closed || now() < failure.nextAttemptAt) return;
    failure.backoffMs = Math.min(failure.backoffMs * 2, MAX_BACKOFF_MS);
    failure.nextAttemptAt = now() + failure.backoffMs;
    if (pool.stats().inUse > 0) return;
    try {
      module.reinitialize();
      token = openToken(config, binding, module);
    } catch (error) {
      failure.reason = (error as Error).message;
      return;
    }
    counters.reinitializations++;
    failure = undefined;
    deps.logger?.info({ tokenLabel: config.tokenLabel }, 'HSM available again: module re-initialised');
  }

  /** One request's HSM work: a session, the work, the deadline, and what each kind of error means. */
  async function run<T>(operation: 'encrypt' | 'decrypt' | 'lookup' | 'probe', work: (session: Pkcs11Handle) => Promise<T>): Promise<T> {
    if (!threadsStarted) await threads.ready; // only the first calls after opening: the deadline starts once the threads run
    tryRecover();
    if (failure !== undefined) throw new InternalException(UNAVAILABLE, { detail: `PKCS#11 token ${config.tokenLabel}: ${failure.reason}` });
    const started = now();
    const deadlineAt = started + config.callTimeoutMs;
    let session: Pkcs11Handle;
    try {
      session = await pool.acquire(deadlineAt);
    } catch (error) {
      if (error instanceof PoolTimeoutError) {
        counters.deadlineExceeded++;
        deps.observeCall?.(operation, (now() - started) / 1000, 'deadline');
        throw new DependencyTimeoutException(TOO_SLOW, { detail: error.message });
      }
      fail(`cannot open a session: ${ckrName(ckrOf(error))}`);
      throw new InternalException(UNAVAILABLE, { detail: `PKCS#11 token ${config.tokenLabel}: ${ckrName(ckrOf(error))}` });
    }
    const pending = work(session);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), Math.max(0, deadlineAt - now()));
    });
    try {
      const outcome = await Promise.race([pending, deadline]);
      if (outcome === 'deadline') {
        counters.deadlineExceeded++;
        deps.observeCall?.(operation, (now() - started) / 1000, 'deadline');
        // The native call cannot be cancelled: its session comes back to the pool when it ends.
        pending.then(() => pool.release(session, false), () => pool.release(session, true));
        throw new DependencyTimeoutException(TOO_SLOW, { detail: `PKCS#11 ${operation} took longer than ${config.callTimeoutMs} ms` });
      }
      pool.release(session, false);
      deps.observeCall?.(operation, (now() - started) / 1000, 'ok');
      return outcome as T;
    } catch (error) {
      if (error instanceof DependencyTimeoutException) throw error;
      const code = ckrOf(error);
      deps.observeCall?.(operation, (now() - started) / 1000, 'error');
      if (error instanceof DeviceFailure || error instanceof HsmThreadError || isDeviceError(code)) {
        const reason = error instanceof DeviceFailure || error instanceof HsmThreadError ? error.message : ckrName(code);
        pool.release(session, true);
        fail(reason);
        throw new InternalException(UNAVAILABLE, { detail: `PKCS#11 token ${config.tokenLabel}: ${reason}` });
      }
      pool.release(session, isSessionError(code));
      if (code !== undefined) throw new InternalException('The HSM refused the operation', { detail: `PKCS#11 ${operation}: ${ckrName(code)}` });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A token that does not answer C_GetTokenInfo is gone (SoftHSM's token directory removed, a device pulled). */
  function requirePresent(): void {
    try {
      token.checkPresent();
    } catch (error) {
      throw new DeviceFailure(`token ${config.tokenLabel} does not answer: ${ckrName(ckrOf(error))}`);
    }
  }

  const keys = createKeyCache({ config, binding, pkcs11: () => token.pkcs11, requirePresent, now, ...(deps.logger !== undefined && { logger: deps.logger }) });

  /** A C_Decrypt failure that means "the tag does not verify" becomes TagMismatchError; anything else is thrown. */
  function tagMismatchOrThrow(error: unknown): TagMismatchError {
    const code = ckrOf(error);
    if (isTagFailure(code)) return new TagMismatchError();
    // SoftHSM answers a tag mismatch with CKR_GENERAL_ERROR: a mismatch only if the token still answers.
    if (code === CKR.GENERAL_ERROR) {
      requirePresent();
      return new TagMismatchError();
    }
    throw error;
  }

  return {
    kind: 'pkcs11',
    config,
    async getKey(externalKeyId) {
      const hit = keys.cached(externalKeyId);
      if (hit !== undefined) return hit.found?.info;
      return run('lookup', async (session) => keys.lookup(session, externalKeyId)?.info);
    },
    encrypt(externalKeyId, _version, plaintext, gcmAad): Promise<GcmSealed> {
      return run('encrypt', (session) =>
        keys.withKey(session, externalKeyId, async (key) => {
          const result = await threads.run({ kind: 'encrypt', session, key, ivGeneration: config.ivGeneration, plaintext, aad: gcmAad });
          if (result.kind !== 'encrypt') throw new Error(`an HSM thread answered an encrypt with ${result.kind}`);
          return { iv: result.iv, ciphertext: result.ciphertext, tag: result.tag };
        }),
      );
    },
    encryptChecked(externalKeyId, _version, plaintext, gcmAad, context): Promise<CheckedSeal> {
      return run('encrypt', (session) =>
        keys.withKey(session, externalKeyId, async (key) => {
          const cdivAad = context.aad;
          const r = await threads.run({ kind: 'encryptChecked', session, key, ivGeneration: config.ivGeneration, plaintext, aad: gcmAad, metadata: context.metadata, ...(cdivAad !== undefined && { cdivAad }) });
          if (r.kind !== 'encryptChecked') throw new Error(`an HSM thread answered an encryptChecked with ${r.kind}`);
          const sealed = { iv: r.iv, ciphertext: r.ciphertext, tag: r.tag };
          if (r.checkFailure !== undefined) tagMismatchOrThrow(rebuildFailure(r.checkFailure));
          return { sealed, cdiv: r.cdiv, roundTrips: r.roundTrips };
        }),
      );
    },
    decrypt(externalKeyId, _version, sealed, gcmAad): Promise<Uint8Array> {
      return run('decrypt', (session) =>
        keys.withKey(session, externalKeyId, async (key) => {
          try {
            const result = await threads.run({ kind: 'decrypt', session, key, iv: sealed.iv, ciphertext: sealed.ciphertext, tag: sealed.tag, aad: gcmAad });
            if (result.kind !== 'decrypt') throw new Error(`an HSM thread answered a decrypt with ${result.kind}`);
            return result.plaintext;
          } catch (error) {
            throw tagMismatchOrThrow(error);
          }
        }),
      );
    },
    async createKey(externalKeyId, usage) {
      const s = token.openWriteSession();
      try {
        if (findKeyByLabel(token.pkcs11, binding, s, externalKeyId) !== undefined) throw new Error(`a secret key labelled ${externalKeyId} already exists in token ${config.tokenLabel}`);
        token.pkcs11.C_GenerateKey(s, { mechanism: binding.CKM_AES_KEY_GEN }, [
          { type: binding.CKA_CLASS, value: binding.CKO_SECRET_KEY },
          { type: binding.CKA_KEY_TYPE, value: binding.CKK_AES },
          { type: binding.CKA_VALUE_LEN, value: 32 },
          { type: binding.CKA_LABEL, value: externalKeyId },
          { type: binding.CKA_TOKEN, value: true },
          { type: binding.CKA_PRIVATE, value: true },
          { type: binding.CKA_SENSITIVE, value: true },
          { type: binding.CKA_EXTRACTABLE, value: false },
          { type: binding.CKA_ENCRYPT, value: usage.encrypt },
          { type: binding.CKA_DECRYPT, value: usage.decrypt },
        ]);
        keys.drop(externalKeyId);
        const found = findKeyByLabel(token.pkcs11, binding, s, externalKeyId);
        if (found === undefined) throw new Error(`key ${externalKeyId} was generated but cannot be found`);
        return found.info;
      } finally {
        token.closeSession(s);
      }
    },
    listKeys() {
      return run('lookup', async (session) =>
        listSecretKeyLabels(token.pkcs11, binding, session).flatMap((label) => {
          const found = findKeyByLabel(token.pkcs11, binding, session, label);
          return found === undefined ? [] : [found.info];
        }),
      );
    },
    async probe() {
      tryRecover();
      if (failure !== undefined) throw new Error(`PKCS#11 token ${config.tokenLabel} unavailable: ${failure.reason}`);
      await run('probe', async (session) => {
        requirePresent();
        await threads.run({ kind: 'random', session, bytes: 16 });
      });
    },
    stats(): KeyBackendStats {
      const s = pool.stats();
      return {
        token: config.tokenLabel,
        tokenModel: token.model,
        sessionsOpen: s.open,
        sessionsInUse: s.inUse,
        sessionsMax: s.max,
        waiting: s.waiting,
        ...counters,
        keyCopies: keys.copies(),
        ...(failure !== undefined && { unavailableReason: failure.reason }),
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      pool.discardAll();
      // A call still in flight (past its deadline) keeps the library loaded until its session comes back: C_Finalize
      // under it could crash the process. Waits up to 5 s; a call hung longer leaves the library loaded.
      const until = now() + 5_000;
      while (pool.stats().inUse > 0 && now() < until) await new Promise((r) => setTimeout(r, 20));
      if (pool.stats().inUse === 0) {
        await threads.close();
        module.release();
      }
    },
  };
}
