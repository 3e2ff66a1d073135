import { KEY_FILE_FORMAT, KeyFileError, parseKeyFile, readKeyFileJson, serializeKeyFile } from './key-file.js';
import { WRAPPED_KEY_FILE_FORMAT, type KeyWrapper } from './key-encryption.js';
import type { XksKey } from './key-store.js';

/**
 * Reads and writes key files of one key store: plain `xks-key/1`, or wrapped `xks-key-wrapped/1` when the store
 * has `keyEncryption`. Reading accepts both forms when a wrapper is configured (a directory being converted holds
 * both); without one, a wrapped file is refused with a message saying why.
 */
export interface KeyFileCodec {
  /** True when new files are written wrapped. */
  readonly wraps: boolean;
  decode(text: string): { key: XksKey; wrapped: boolean };
  encode(key: XksKey): string;
}

export function createKeyFileCodec(wrapper?: KeyWrapper): KeyFileCodec {
  return {
    wraps: wrapper !== undefined,
    decode(text) {
      const { json, format } = readKeyFileJson(text);
      if (format !== WRAPPED_KEY_FILE_FORMAT) return { key: parseKeyFile(text), wrapped: false };
      if (wrapper === undefined) {
        throw new KeyFileError(`encrypted at rest (${WRAPPED_KEY_FILE_FORMAT}) but this key store has no keyEncryption configured`);
      }
      const { externalKeyId, plainText } = wrapper.unwrap(json);
      const key = parseKeyFile(plainText);
      if (key.externalKeyId !== externalKeyId) {
        throw new KeyFileError(`wrapped header names ${externalKeyId} but the wrapped key is ${key.externalKeyId}`);
      }
      return { key, wrapped: true };
    },
    encode(key) {
      const plain = serializeKeyFile(key);
      return wrapper === undefined ? plain : wrapper.wrap(key.externalKeyId, plain);
    },
  };
}

export const KNOWN_KEY_FILE_FORMATS: readonly string[] = Object.freeze([KEY_FILE_FORMAT, WRAPPED_KEY_FILE_FORMAT]);
