import { SIGV4_TERMINATOR } from './constants.js';

/** spec A12: `<yyyymmdd>/<region>/<service>/aws4_request`. */
export function buildCredentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/${SIGV4_TERMINATOR}`;
}
