import { createHmac } from 'node:crypto';
import { SIGV4_TERMINATOR } from './constants.js';

/** spec A12: HMAC-SHA256 chain `"AWS4"+secret` -> date (yyyymmdd) -> region -> service -> `aws4_request`. */
export function deriveSigningKey(secret: string, date: string, region: string, service: string): Uint8Array {
  let key: Uint8Array = Buffer.from(`AWS4${secret}`, 'utf8');
  for (const element of [date, region, service, SIGV4_TERMINATOR]) {
    key = createHmac('sha256', key).update(element, 'utf8').digest();
  }
  return key;
}
