/**
 * PKCS#11 return values (CKR_*) the backend acts on, by family. Values from the PKCS#11 v2.40 header (pkcs11t.h).
 * pkcs11js throws Pkcs11Error with `code`; anything else (a native or argument error) has no code.
 */
export const CKR = Object.freeze({
  GENERAL_ERROR: 0x05,
  FUNCTION_FAILED: 0x06,
  SLOT_ID_INVALID: 0x03,
  DEVICE_ERROR: 0x30,
  DEVICE_MEMORY: 0x31,
  DEVICE_REMOVED: 0x32,
  ENCRYPTED_DATA_INVALID: 0x40,
  ENCRYPTED_DATA_LEN_RANGE: 0x41,
  KEY_HANDLE_INVALID: 0x60,
  OBJECT_HANDLE_INVALID: 0x82,
  OPERATION_ACTIVE: 0x90,
  PIN_INCORRECT: 0xa0,
  PIN_INVALID: 0xa1,
  PIN_LEN_RANGE: 0xa2,
  PIN_EXPIRED: 0xa3,
  PIN_LOCKED: 0xa4,
  SESSION_CLOSED: 0xb0,
  SESSION_HANDLE_INVALID: 0xb3,
  TOKEN_NOT_PRESENT: 0xe0,
  TOKEN_NOT_RECOGNIZED: 0xe1,
  USER_ALREADY_LOGGED_IN: 0x100,
  USER_NOT_LOGGED_IN: 0x101,
  CRYPTOKI_NOT_INITIALIZED: 0x190,
  CRYPTOKI_ALREADY_INITIALIZED: 0x191,
} as const);

/** The CKR code of a thrown value, when it is a PKCS#11 error. */
export function ckrOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The token or the module is gone or broken: every session is discarded and the module re-initialised. */
const DEVICE = new Set<number>([
  CKR.GENERAL_ERROR, CKR.FUNCTION_FAILED, CKR.SLOT_ID_INVALID, CKR.DEVICE_ERROR, CKR.DEVICE_MEMORY, CKR.DEVICE_REMOVED,
  CKR.TOKEN_NOT_PRESENT, CKR.TOKEN_NOT_RECOGNIZED, CKR.CRYPTOKI_NOT_INITIALIZED,
]);
/** This session is unusable: it is closed and another one opened. */
const SESSION = new Set<number>([CKR.SESSION_CLOSED, CKR.SESSION_HANDLE_INVALID, CKR.USER_NOT_LOGGED_IN, CKR.OPERATION_ACTIVE]);
/** The cached key handle is stale (the object was deleted or the token re-initialised): find the key again. */
const KEY_GONE = new Set<number>([CKR.KEY_HANDLE_INVALID, CKR.OBJECT_HANDLE_INVALID]);
/**
 * C_Decrypt's answer to a tag that does not verify. The standard value is CKR_ENCRYPTED_DATA_INVALID; SoftHSM 2.6
 * answers CKR_GENERAL_ERROR, so that one counts only when the token still answers C_GetTokenInfo (the caller checks).
 */
const TAG_FAILURE = new Set<number>([CKR.ENCRYPTED_DATA_INVALID, CKR.ENCRYPTED_DATA_LEN_RANGE]);
const PIN = new Set<number>([CKR.PIN_INCORRECT, CKR.PIN_INVALID, CKR.PIN_LEN_RANGE, CKR.PIN_EXPIRED, CKR.PIN_LOCKED]);

export const isDeviceError = (code: number | undefined): boolean => code !== undefined && DEVICE.has(code);
export const isSessionError = (code: number | undefined): boolean => code !== undefined && SESSION.has(code);
export const isKeyGone = (code: number | undefined): boolean => code !== undefined && KEY_GONE.has(code);
export const isTagFailure = (code: number | undefined): boolean => code !== undefined && TAG_FAILURE.has(code);
export const isPinError = (code: number | undefined): boolean => code !== undefined && PIN.has(code);

/** "CKR_DEVICE_ERROR" style name for logs and health reasons (never a PIN or data). */
export function ckrName(code: number | undefined): string {
  if (code === undefined) return 'not a PKCS#11 error';
  const name = Object.entries(CKR).find(([, v]) => v === code)?.[0];
  return name === undefined ? `CKR 0x${code.toString(16)}` : `CKR_${name}`;
}
