import type { KeyInfo } from '../keystore/key-store.js';
import type { GetKeyMetadataResponse } from '../../xks/wire-types.js';

/** spec A4: a DISABLED key still answers, with keyStatus DISABLED. */
export function getKeyMetadata(key: KeyInfo): GetKeyMetadataResponse {
  return { keySpec: 'AES_256', keyUsage: [...key.keyUsage], keyStatus: key.keyStatus };
}
