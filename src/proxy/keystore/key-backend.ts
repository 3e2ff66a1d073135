/**
 * The key backend of one key store: where its keys live and who runs AES-256-GCM with them (docs/hsm.md).
 * The operations (src/proxy/operations/) see keys only through this interface:
 *   - files under `keyDirectory`: the proxy holds the material and encrypts in-process (file-key-backend.ts);
 *   - an HSM through PKCS#11: the HSM holds the material and encrypts; it never enters the process (pkcs11/).
 * Every call is asynchronous: an HSM call runs off the event loop and has a deadline.
 *
 * Stable shape: other backends (issue 24) implement this interface; add members, never change these.
 */
import type { KeyInfo } from './key-store.js';

export type KeyBackendKind = 'keyDirectory' | 'pkcs11';

/** The three parts of an AES-256-GCM result (spec A5): the 12-byte IV, the ciphertext, the 16-byte tag. */
export interface GcmSealed {
  readonly iv: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
}

/** What the CDIV covers besides the sealed parts (spec A9): the request's AAD and the response's ciphertextMetadata. */
export interface CdivContext {
  readonly aad?: Uint8Array;
  readonly metadata: Uint8Array;
}

/** encryptChecked's answer. */
export interface CheckedSeal {
  readonly sealed: GcmSealed;
  /** base64 SHA-256 (spec A9), computed before the check-decrypt. */
  readonly cdiv: string;
  /** The check-decrypt gave the plaintext back. */
  readonly roundTrips: boolean;
}

/** Counters and gauges a backend exposes to /metrics and `xks status` (all optional: a file backend has none). */
export interface KeyBackendStats {
  /** The HSM token's label (PKCS#11). */
  readonly token?: string;
  /** The token's manufacturer and model as it reports them (C_GetTokenInfo), for GetHealthStatus's ekmFleetDetails. */
  readonly tokenModel?: string;
  readonly sessionsOpen?: number;
  readonly sessionsInUse?: number;
  readonly sessionsMax?: number;
  /** Requests waiting for a session. */
  readonly waiting?: number;
  /** Calls refused because their deadline passed (pool exhausted or slow HSM), since start. */
  readonly deadlineExceeded?: number;
  /** Device or session errors seen, since start. */
  readonly deviceErrors?: number;
  /** Re-initialisations of the module after device errors, since start. */
  readonly reinitializations?: number;
  /** Session copies of keys held now (PKCS#11 `sessionCopies`). */
  readonly keyCopies?: number;
  /** Why the backend is not serving, when it is not (never holds a PIN or material). */
  readonly unavailableReason?: string;
}

export interface KeyBackend {
  readonly kind: KeyBackendKind;
  /** The key's metadata, or undefined when there is no such key (KeyNotFoundException). */
  getKey(externalKeyId: string): Promise<KeyInfo | undefined>;
  /**
   * AES-256-GCM encrypt under `version` of the key. The backend chooses the 12-byte IV (spec A5 / C33: fresh from
   * a CSPRNG, or drawn by the HSM). `gcmAad` is the framed AAD (spec A8), already built by the caller.
   */
  encrypt(externalKeyId: string, version: number, plaintext: Uint8Array, gcmAad: Uint8Array): Promise<GcmSealed>;
  /**
   * spec A9 steps 1-3, once: encrypt, the CDIV over the result at once (so corruption after it is caught), then the
   * check-decrypt compared with the plaintext. `roundTrips` false: the check failed (the caller retries or refuses);
   * other failures throw as encrypt's and decrypt's do. One call, so a backend whose cipher runs elsewhere (the
   * PKCS#11 backend's HSM threads) crosses there once per Encrypt, not twice.
   */
  encryptChecked(externalKeyId: string, version: number, plaintext: Uint8Array, gcmAad: Uint8Array, cdiv: CdivContext): Promise<CheckedSeal>;
  /** AES-256-GCM decrypt. Throws TagMismatchError (src/crypto) when the tag does not verify. */
  decrypt(externalKeyId: string, version: number, sealed: GcmSealed, gcmAad: Uint8Array): Promise<Uint8Array>;
  /**
   * The deep health check's call (spec A7): resolves when the backend can serve, throws why not. The file backend's
   * check is the health monitor's own round trip, so its probe does nothing.
   */
  probe(): Promise<void>;
  /** Counters for /metrics and `xks status`. */
  stats(): KeyBackendStats;
  /** Release sessions and modules (idempotent). */
  close(): Promise<void>;
}
