import { decodeBase64Strict } from '../../crypto/base64.js';
import type { KeyEncryptionSecret } from '../keystore/key-encryption.js';
import { KEY_BYTES } from '../../xks/limits.js';

/** A passphrase shorter than this is refused: scrypt slows guessing, it cannot make a short passphrase strong. */
export const MIN_PASSPHRASE_CHARS = 12;

/**
 * Resolve a key store's keyEncryption block to the secret itself, like credentials' secretFile. Problems are pushed
 * (naming the variable or file, never the value) so the config reports everything together.
 */
export function resolveKeyEncryption(
  block: { passphraseEnv?: string | undefined; passphraseFile?: string | undefined; kekFile?: string | undefined },
  ctx: {
    abs: (p: string) => string;
    readFile: (p: string) => string;
    env: Readonly<Record<string, string | undefined>>;
    where: string;
    problems: string[];
  },
): KeyEncryptionSecret {
  const read = (file: string, field: string): string => {
    try {
      return ctx.readFile(file).replace(/\r?\n$/, '');
    } catch (error) {
      ctx.problems.push(`${ctx.where}.${field}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return '';
    }
  };
  const checkPassphrase = (passphrase: string, field: string, what: string): void => {
    if (passphrase !== '' && [...passphrase].length < MIN_PASSPHRASE_CHARS) {
      ctx.problems.push(`${ctx.where}.${field}: the passphrase in ${what} is shorter than ${MIN_PASSPHRASE_CHARS} characters`);
    }
  };
  if (block.kekFile !== undefined) {
    const file = ctx.abs(block.kekFile);
    const kek = read(file, 'kekFile').trim();
    if (kek !== '' && decodeBase64Strict(kek)?.length !== KEY_BYTES) {
      ctx.problems.push(`${ctx.where}.kekFile: ${file} must hold standard base64 of ${KEY_BYTES} bytes`);
    }
    return { kind: 'kek', kek, source: file };
  }
  if (block.passphraseFile !== undefined) {
    const file = ctx.abs(block.passphraseFile);
    const passphrase = read(file, 'passphraseFile');
    if (passphrase === '') ctx.problems.push(`${ctx.where}.passphraseFile: ${file} is empty`);
    checkPassphrase(passphrase, 'passphraseFile', file);
    return { kind: 'passphrase', passphrase, source: file };
  }
  const name = block.passphraseEnv ?? '';
  const passphrase = ctx.env[name] ?? '';
  if (passphrase === '') ctx.problems.push(`${ctx.where}.passphraseEnv: environment variable ${name} is not set or empty`);
  checkPassphrase(passphrase, 'passphraseEnv', `$${name}`);
  return { kind: 'passphrase', passphrase, source: `$${name}` };
}
