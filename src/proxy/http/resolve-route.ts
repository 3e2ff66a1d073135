import { EXTERNAL_KEY_ID_PATTERN, XKS_API_BASE } from '../../xks/limits.js';
import type { XksOperation } from '../../xks/wire-types.js';

export interface XksRoute {
  /** '' or '/a/b' */
  readonly prefix: string;
  readonly operation: XksOperation;
  readonly externalKeyId?: string;
}

const KEY_OPERATIONS: Readonly<Record<string, XksOperation>> = {
  metadata: 'GetKeyMetadata',
  encrypt: 'Encrypt',
  decrypt: 'Decrypt',
};

// spec A2: [/<prefix>]/kms/xks/v1/health | /keys/<externalKeyId>/{metadata,encrypt,decrypt}. Matched on the raw
// (undecoded) path, case-sensitively, without trailing slashes: anything else is InvalidUriPathException. An id of the
// spec's shape that breaks our stricter rule (a leading '.', src/proxy/keystore/external-key-id.ts) is a valid path that names
// no key: no key store can hold one, so it is KeyNotFoundException (what KMS reports as XksKeyNotFoundException).
const ROUTE = new RegExp(`^((?:/[A-Za-z0-9_-]+)*)${XKS_API_BASE.replaceAll('/', '\\/')}/(?:(health)|keys/([^/]*)/(metadata|encrypt|decrypt))$`);

/** Pure: the raw request path -> the XKS route it names, or undefined. */
export function resolveRoute(path: string): XksRoute | undefined {
  const m = ROUTE.exec(path);
  if (m === null) return undefined;
  const prefix = m[1] ?? '';
  if (m[2] === 'health') return { prefix, operation: 'GetHealthStatus' };
  const externalKeyId = m[3] ?? '';
  const operation = KEY_OPERATIONS[m[4] ?? ''];
  if (operation === undefined || !EXTERNAL_KEY_ID_PATTERN.test(externalKeyId)) return undefined;
  return { prefix, operation, externalKeyId };
}
