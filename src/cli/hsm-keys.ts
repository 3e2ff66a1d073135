import type { KeyStoreConfig } from '../proxy/config/load-config.js';
import type { KeyInfo, KeyStatus, KeyUsage } from '../proxy/keystore/key-store.js';
import { openPkcs11KeyBackend, type Pkcs11KeyBackend } from '../proxy/keystore/pkcs11/pkcs11-key-backend.js';

/**
 * `xks keys` on a key store whose keys are in a PKCS#11 token (docs/hsm.md "Keys"). create generates an AES-256 token
 * key (CKA_TOKEN, CKA_SENSITIVE, not extractable) with C_GenerateKey; list reads the token. DISABLED and usage
 * overrides live in the configuration; rotation is a new key under a new label. Nothing here sees key material.
 */
export async function withHsm<T>(store: KeyStoreConfig, use: (backend: Pkcs11KeyBackend) => Promise<T>): Promise<T> {
  if (store.pkcs11 === undefined) throw new Error(`key store ${store.name} has no pkcs11 block`);
  const backend = openPkcs11KeyBackend(store.pkcs11);
  try {
    return await use(backend);
  } finally {
    await backend.close();
  }
}

/** The configuration's keys.<id> overrides applied, as a running proxy would report the key. */
export function withOverride(store: KeyStoreConfig, key: KeyInfo): KeyInfo {
  const o = Object.hasOwn(store.keys, key.externalKeyId) ? store.keys[key.externalKeyId] : undefined;
  return o === undefined ? key : { ...key, keyStatus: o.keyStatus ?? key.keyStatus, keyUsage: o.keyUsage ?? key.keyUsage };
}

export function formatHsmKeyList(keys: readonly KeyInfo[]): string {
  if (keys.length === 0) return '(no keys)\n';
  const rows = keys.map((k) => [k.externalKeyId, k.keyStatus, k.keyUsage.join(',') || 'none']);
  const header = ['EXTERNAL KEY ID (CKA_LABEL)', 'STATUS', 'USAGE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  return `${[header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n')}\n`;
}

/** What `xks keys disable|enable` says for an HSM store: the configuration holds the status, not the token. */
export function hsmStatusInstruction(store: KeyStoreConfig, id: string, status: KeyStatus): string {
  const snippet = JSON.stringify({ keys: { [id]: { keyStatus: status, by: '<you>', reason: '<why>' } } });
  return `key store ${store.name} keeps its keys in PKCS#11 token ${JSON.stringify(store.pkcs11?.tokenLabel)}: keyStatus lives in the configuration, not the token. Add to the store ${snippet} and reload (SIGHUP); docs/hsm.md#disabled`;
}

export const HSM_ROTATE_REFUSAL =
  'rotation is not done by the proxy on an HSM store: generate a new key under a new label (xks keys create <new-label>, or pkcs11-tool --keygen --key-type AES:32 --label <new-label>), point KMS at it, and keep the old label while ciphertext made under it exists; docs/hsm.md#rotation';

export const usageFlags = (usage: readonly KeyUsage[]) => ({ encrypt: usage.includes('ENCRYPT'), decrypt: usage.includes('DECRYPT') });
