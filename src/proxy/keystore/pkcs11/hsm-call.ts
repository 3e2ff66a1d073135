import { GENERATED_IV_BYTES, TAG_BYTES } from '../../../crypto/aes-gcm-sizes.js';
import { gcmEncryptLayout, HsmIvError, placeGcmOutput } from './gcm-mechanism.js';
import { cdivOf, roundTripsWiped } from '../checked-seal.js';
import type { GcmSealed } from '../key-backend.js';
import type { IvGeneration } from './pkcs11-config.js';
import type { Pkcs11, Pkcs11Binding } from './load-binding.js';

/**
 * One request's cipher work on the token, as an HSM thread runs it (hsm-threads.ts): plain data in, plain data out,
 * so it crosses between threads by postMessage (hsm-wire.ts packs its byte arrays into one buffer). The session and the key handle come from the event loop's session
 * pool and key cache; the calls run here synchronously, off the event loop.
 */
export type HsmCall =
  | { readonly kind: 'encrypt'; readonly session: Uint8Array; readonly key: Uint8Array; readonly ivGeneration: IvGeneration; readonly plaintext: Uint8Array; readonly aad: Uint8Array }
  | { readonly kind: 'decrypt'; readonly session: Uint8Array; readonly key: Uint8Array; readonly iv: Uint8Array; readonly ciphertext: Uint8Array; readonly tag: Uint8Array; readonly aad: Uint8Array }
  /** Encrypt, the CDIV, the check-decrypt (KeyBackend.encryptChecked, spec A9 steps 1-3) in one crossing. */
  | {
      readonly kind: 'encryptChecked';
      readonly session: Uint8Array;
      readonly key: Uint8Array;
      readonly ivGeneration: IvGeneration;
      readonly plaintext: Uint8Array;
      readonly aad: Uint8Array;
      /** The CDIV's AAD (the request's, unframed) and ciphertextMetadata. */
      readonly cdivAad?: Uint8Array;
      readonly metadata: Uint8Array;
    }
  /** The deep health check's call: C_GenerateRandom in a session, through the same threads as the requests. */
  | { readonly kind: 'random'; readonly session: Uint8Array; readonly bytes: number };

/** What a call gives back: the sealed parts (encrypt), the plaintext (decrypt) or the random bytes. */
export type HsmResult =
  | { readonly kind: 'encrypt'; readonly iv: Uint8Array; readonly ciphertext: Uint8Array; readonly tag: Uint8Array }
  | { readonly kind: 'decrypt'; readonly plaintext: Uint8Array }
  | {
      readonly kind: 'encryptChecked';
      readonly iv: Uint8Array;
      readonly ciphertext: Uint8Array;
      readonly tag: Uint8Array;
      readonly cdiv: string;
      readonly roundTrips: boolean;
      /** The check-decrypt's own failure (a tag that does not verify, or worse): the event loop decides which. */
      readonly checkFailure?: HsmFailure;
    }
  | { readonly kind: 'random'; readonly random: Uint8Array };

/** A failed call, as it crosses back: the CKR code of a PKCS#11 error, or which of our own errors it was. */
export interface HsmFailure {
  readonly message: string;
  /** The CKR value when the library refused (pkcs11js's Pkcs11Error.code). */
  readonly code?: number;
  /** Set when splitGcmOutput refused the HSM's output (wrong ivGeneration for this HSM). */
  readonly ivError?: true;
}

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** `a` then `b` as one view when `b` follows `a` in the same buffer (as they cross: no copy needed). */
function adjacent(a: Uint8Array, b: Uint8Array): Buffer | undefined {
  return a.buffer === b.buffer && a.byteOffset + a.byteLength === b.byteOffset ? Buffer.from(a.buffer, a.byteOffset, a.byteLength + b.byteLength) : undefined;
}

function gcm(binding: Pkcs11Binding, iv: Buffer, aad: Uint8Array) {
  return {
    mechanism: binding.CKM_AES_GCM,
    parameter: { type: binding.CK_PARAMS_AES_GCM, iv, ivBits: iv.length * 8, aad: asBuffer(aad), tagBits: TAG_BYTES * 8 },
  };
}

/** Run one call with the library's synchronous functions (the caller is an HSM thread, never the event loop). */
export function performHsmCall(p: Pkcs11, binding: Pkcs11Binding, call: HsmCall): HsmResult {
  const session = asBuffer(call.session);
  if (call.kind === 'random') return { kind: 'random', random: p.C_GenerateRandom(session, Buffer.alloc(call.bytes)) };
  const key = asBuffer(call.key);
  const seal = (plaintext: Uint8Array, ivGeneration: IvGeneration): GcmSealed => {
    const layout = gcmEncryptLayout(ivGeneration, plaintext.length, () => p.C_GenerateRandom(session, Buffer.alloc(GENERATED_IV_BYTES)));
    p.C_EncryptInit(session, gcm(binding, layout.ivIn, call.aad), key);
    // One buffer for the IV and C_Encrypt's output written after it: the parts are views, and it crosses back whole.
    const sealed = Buffer.alloc(GENERATED_IV_BYTES + layout.outputBytes);
    const output = p.C_Encrypt(session, asBuffer(plaintext), sealed.subarray(GENERATED_IV_BYTES));
    return placeGcmOutput(ivGeneration, layout, sealed, output.length, plaintext.length);
  };
  const open = (sealed: GcmSealed): Uint8Array => {
    const input = adjacent(sealed.ciphertext, sealed.tag) ?? Buffer.concat([sealed.ciphertext, sealed.tag]);
    p.C_DecryptInit(session, gcm(binding, asBuffer(sealed.iv), call.aad), key);
    const out = p.C_Decrypt(session, input, Buffer.alloc(input.length));
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  };
  switch (call.kind) {
    case 'encrypt':
      return { kind: 'encrypt', ...seal(call.plaintext, call.ivGeneration) };
    case 'decrypt':
      return { kind: 'decrypt', plaintext: open(call) };
    case 'encryptChecked': {
      const sealed = seal(call.plaintext, call.ivGeneration);
      const cdiv = cdivOf({ ...(call.cdivAad !== undefined && { aad: call.cdivAad }), metadata: call.metadata }, sealed);
      try {
        return { kind: 'encryptChecked', ...sealed, cdiv, roundTrips: roundTripsWiped(open(sealed), call.plaintext) };
      } catch (error) {
        return { kind: 'encryptChecked', ...sealed, cdiv, roundTrips: false, checkFailure: describeFailure(error) };
      }
    }
  }
}

/** The error a failed call becomes on its way back (never holds data: a CKR code or our own message). */
export function describeFailure(error: unknown): HsmFailure {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message.split('\n')[0] ?? 'error' : 'error';
  if (error instanceof HsmIvError) return { message, ivError: true };
  return typeof code === 'number' ? { message, code } : { message };
}

/** The error the event loop throws for a failure: the same shapes the backend's callers check (ckrOf, HsmIvError). */
export function rebuildFailure(failure: HsmFailure): Error {
  if (failure.ivError === true) return new HsmIvError(failure.message);
  return failure.code === undefined ? new Error(failure.message) : Object.assign(new Error(failure.message), { code: failure.code });
}
