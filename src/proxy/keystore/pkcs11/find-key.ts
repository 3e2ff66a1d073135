import type { KeyInfo, KeyUsage } from '../key-store.js';
import type { Pkcs11, Pkcs11Binding, Pkcs11Handle } from './load-binding.js';

/** CKK_AES and 32 bytes (AES-256): the only keys XKS serves (spec A4 keySpec AES_256). */
const CKK_AES = 0x1f;
const AES_256_BYTES = 32;

export interface FoundKey {
  readonly handle: Pkcs11Handle;
  readonly info: KeyInfo;
  /** Why the key cannot be used (wrong type or size, several objects under the label); absent when usable. */
  readonly problem?: string;
}

/** The labels of every secret key in the token (for `xks keys list`), sorted, each once. */
export function listSecretKeyLabels(p: Pkcs11, binding: Pkcs11Binding, session: Pkcs11Handle): string[] {
  p.C_FindObjectsInit(session, [
    { type: binding.CKA_CLASS, value: binding.CKO_SECRET_KEY },
    { type: binding.CKA_TOKEN, value: true },
  ]);
  const handles: Pkcs11Handle[] = [];
  try {
    for (let batch = p.C_FindObjects(session, 64); batch.length > 0; batch = p.C_FindObjects(session, 64)) handles.push(...batch);
  } finally {
    p.C_FindObjectsFinal(session);
  }
  const labels = handles.map((h) => p.C_GetAttributeValue(session, h, [{ type: binding.CKA_LABEL }])[0]?.value).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : ''));
  return [...new Set(labels.filter((l) => l !== ''))].sort();
}

/** A CK_ULONG attribute value as the binding returns it (native-endian bytes). */
function ulong(value: unknown): number | undefined {
  if (!Buffer.isBuffer(value) || value.length === 0) return undefined;
  return value.length >= 8 ? Number(value.readBigUInt64LE(0)) : value.readUInt32LE(0);
}
const bool = (value: unknown): boolean => Buffer.isBuffer(value) && value.length > 0 && value[0] !== 0;

/**
 * The key whose CKA_LABEL is the external key id (as in AWS's sample proxy, so keys made by pkcs11-tool or
 * softhsm2-util are served as they are): a CKO_SECRET_KEY of type CKK_AES, 32 bytes. keyUsage comes from CKA_ENCRYPT
 * and CKA_DECRYPT; a key that is not AES-256, or a label held by several keys, is reported with no usage
 * (GetKeyMetadata answers, Encrypt and Decrypt get InvalidKeyUsageException). An HSM key has one version.
 * Synchronous calls: microseconds on SoftHSM, and the backend caches the result (docs/hsm.md "Key lookup").
 */
export function findKeyByLabel(p: Pkcs11, binding: Pkcs11Binding, session: Pkcs11Handle, externalKeyId: string): FoundKey | undefined {
  p.C_FindObjectsInit(session, [
    { type: binding.CKA_CLASS, value: binding.CKO_SECRET_KEY },
    { type: binding.CKA_LABEL, value: externalKeyId },
    { type: binding.CKA_TOKEN, value: true },
  ]);
  let handles: Pkcs11Handle[];
  try {
    handles = p.C_FindObjects(session, 2);
  } finally {
    p.C_FindObjectsFinal(session);
  }
  const handle = handles[0];
  if (handle === undefined) return undefined;
  const attrs = p.C_GetAttributeValue(session, handle, [
    { type: binding.CKA_KEY_TYPE },
    { type: binding.CKA_VALUE_LEN },
    { type: binding.CKA_ENCRYPT },
    { type: binding.CKA_DECRYPT },
  ]);
  const value = (type: number) => attrs.find((a) => a.type === type)?.value;
  const keyType = ulong(value(binding.CKA_KEY_TYPE));
  const length = ulong(value(binding.CKA_VALUE_LEN));
  let problem: string | undefined;
  if (handles.length > 1) problem = `several secret keys carry the label ${externalKeyId}`;
  else if (keyType !== CKK_AES) problem = `key type 0x${(keyType ?? 0).toString(16)} is not CKK_AES`;
  else if (length !== AES_256_BYTES) problem = `key length ${length ?? '?'} bytes is not 32 (AES-256)`;
  const keyUsage: KeyUsage[] = [];
  if (problem === undefined && bool(value(binding.CKA_ENCRYPT))) keyUsage.push('ENCRYPT');
  if (problem === undefined && bool(value(binding.CKA_DECRYPT))) keyUsage.push('DECRYPT');
  const info: KeyInfo = Object.freeze({ externalKeyId, keyUsage: Object.freeze(keyUsage), keyStatus: 'ENABLED', versions: Object.freeze([Object.freeze({ version: 1 })]) });
  return { handle, info, ...(problem !== undefined && { problem }) };
}
