/**
 * Key material at rest in the state file: AES-256-GCM under a per-file wrapping key kept in the same file's
 * `meta` table. Emulator-grade, NOT a security boundary: whoever can read the file can unwrap. It keeps raw
 * material out of dumps, copies of single rows and accidental logs, and binds each wrapped value to its key id
 * and version (the AAD), so rows cannot be swapped between keys unnoticed.
 */
import { randomBytes } from 'node:crypto';
import { createAesGcmEngine } from '../../crypto/aes-gcm.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

function aadFor(keyId: string, version: number): Buffer {
  return Buffer.from(`xks-kms-emulator/key-material/${keyId}/${version}`, 'utf8');
}

export function createWrappingKey(): Buffer {
  return randomBytes(32);
}

/** base64(iv || ciphertext || tag) */
export function wrapMaterial(wrappingKey: Buffer, keyId: string, version: number, material: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const { ciphertext, tag } = createAesGcmEngine('node').encrypt(wrappingKey, iv, material, aadFor(keyId, version));
  return Buffer.concat([iv, ciphertext, tag]).toString('base64');
}

/** Throws TagMismatchError when the value was altered or belongs to another key or version. */
export function unwrapMaterial(wrappingKey: Buffer, keyId: string, version: number, wrapped: string): Buffer {
  const bytes = Buffer.from(wrapped, 'base64');
  const iv = bytes.subarray(0, IV_BYTES);
  const ciphertext = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const plain = createAesGcmEngine('node').decrypt(wrappingKey, iv, ciphertext, tag, aadFor(keyId, version));
  return Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength);
}
