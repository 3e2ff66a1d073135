import { createHash } from 'node:crypto';
import { createKeyWrapper, type KeyEncryptionSecret, type ScryptParams } from './key-encryption.js';
import { createKeyFileCodec, type KeyFileCodec } from './key-file-codec.js';

/**
 * The key file codec of each key store, kept across reloads so a passphrase is derived (scrypt) once per salt per
 * process, not on every directory change. Created by the composition root or a CLI command; never module state.
 */
export interface KeyCodecRegistry {
  codecFor(store: { readonly name: string; readonly keyEncryption?: KeyEncryptionSecret | undefined }): KeyFileCodec;
}

function secretFingerprint(secret: KeyEncryptionSecret | undefined): string {
  if (secret === undefined) return 'plain';
  const value = secret.kind === 'kek' ? secret.kek : secret.passphrase;
  return createHash('sha256').update(`${secret.kind}\0${value}`).digest('hex');
}

export function createKeyCodecRegistry(options: { scrypt?: ScryptParams } = {}): KeyCodecRegistry {
  const codecs = new Map<string, KeyFileCodec>();
  return {
    codecFor(store) {
      const id = `${store.name}\0${secretFingerprint(store.keyEncryption)}`;
      let codec = codecs.get(id);
      if (codec === undefined) {
        codec = createKeyFileCodec(
          store.keyEncryption === undefined ? undefined : createKeyWrapper(store.keyEncryption, options.scrypt === undefined ? {} : { scrypt: options.scrypt }),
        );
        codecs.set(id, codec);
      }
      return codec;
    },
  };
}
