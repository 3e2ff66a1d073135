/**
 * Argument checks shared by the AES-256-GCM engines. Messages name the argument, what was expected and
 * what came (a type name or a length), never a value: these arguments are keys and plaintexts.
 */
import { ACCEPTED_IV_BYTES, KEY_BYTES, TAG_BYTES } from './aes-gcm-sizes.js';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return value.constructor?.name ?? 'object';
}

export function assertBytes(value: unknown, argName: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`aes-gcm: ${argName}: expected Uint8Array, got ${describe(value)}`);
  }
}

/** spec A1: AES-256 only. */
export function assertKey(key: unknown): asserts key is Uint8Array {
  assertBytes(key, 'key');
  if (key.length !== KEY_BYTES) {
    throw new RangeError(`aes-gcm: key: expected ${KEY_BYTES} bytes, got ${key.length}`);
  }
}

/** spec A5 / A6: the IV is 12 or 16 bytes; GCM itself would take others, the spec does not. */
export function assertIv(iv: unknown): asserts iv is Uint8Array {
  assertBytes(iv, 'iv');
  if (!ACCEPTED_IV_BYTES.includes(iv.length)) {
    throw new RangeError(`aes-gcm: iv: expected ${ACCEPTED_IV_BYTES.join(' or ')} bytes, got ${iv.length}`);
  }
}

/** spec A5 / A6: the tag is 16 bytes; truncated tags are refused rather than verified short. */
export function assertTag(tag: unknown): asserts tag is Uint8Array {
  assertBytes(tag, 'tag');
  if (tag.length !== TAG_BYTES) {
    throw new RangeError(`aes-gcm: tag: expected ${TAG_BYTES} bytes, got ${tag.length}`);
  }
}

/** Every check an engine's encrypt needs, in one call, so both engines refuse exactly the same arguments. */
export function assertEncryptArgs(key: unknown, iv: unknown, plaintext: unknown, aad: unknown): void {
  assertKey(key);
  assertIv(iv);
  assertBytes(plaintext, 'plaintext');
  assertBytes(aad, 'aad');
}

/** Every check an engine's decrypt needs, in one call. */
export function assertDecryptArgs(key: unknown, iv: unknown, ciphertext: unknown, tag: unknown, aad: unknown): void {
  assertKey(key);
  assertIv(iv);
  assertBytes(ciphertext, 'ciphertext');
  assertTag(tag);
  assertBytes(aad, 'aad');
}
