/**
 * The emulator's callers (`--identities FILE`): access key id -> principal ARN, account and, optionally, an IAM
 * policy. Loaded once, every problem reported together, frozen. An access key id that is not listed is the
 * emulator's default caller (its principal ARN, in its account, no IAM policy), unless `strict` is set: then it is
 * UnrecognizedClientException, as in KMS.
 *
 *   { "strict": false,
 *     "identities": [ { "accessKeyId": "AKIAAPPEXAMPLE", "principalArn": "arn:aws:iam::111122223333:role/app",
 *                       "iamPolicy": { "Version": "2012-10-17", "Statement": [ ... ] } } ] }
 */
import type { Caller } from './evaluate-policy.js';
import { readPolicyStatements, type PolicyStatement } from './policy-document.js';

export interface Identity extends Caller {
  readonly accessKeyId: string;
  /** undefined: no IAM policy; IAM allows what the key policy leaves to it. */
  readonly iamPolicy: readonly PolicyStatement[] | undefined;
}

export interface Identities {
  readonly strict: boolean;
  readonly byAccessKeyId: ReadonlyMap<string, Identity>;
}

export const NO_IDENTITIES: Identities = Object.freeze({ strict: false, byAccessKeyId: new Map<string, Identity>() });

const PRINCIPAL_ARN = /^arn:aws:(?:iam::(\d{12}):(?:root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)|sts::(\d{12}):assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+)$/;
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;

function isObject(v: unknown): v is Readonly<Record<string, unknown>> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The account a principal ARN belongs to, or undefined when it is not a principal ARN. */
export function accountOfPrincipalArn(arn: string): string | undefined {
  const m = PRINCIPAL_ARN.exec(arn);
  return m === null ? undefined : (m[1] ?? m[2]);
}

/** Parses the identities document (already JSON-parsed); throws one Error listing every problem. */
export function parseIdentities(doc: unknown, source = 'identities'): Identities {
  const problems: string[] = [];
  const byAccessKeyId = new Map<string, Identity>();
  if (!isObject(doc)) throw new Error(`${source}: expected a JSON object with an "identities" list`);
  const strict = doc['strict'] ?? false;
  if (typeof strict !== 'boolean') problems.push('"strict" must be true or false');
  const list = doc['identities'];
  if (!Array.isArray(list)) problems.push('"identities" must be a list');
  for (const [i, e] of (Array.isArray(list) ? (list as unknown[]) : []).entries()) {
    const at = `identities[${i}]`;
    if (!isObject(e)) {
      problems.push(`${at} must be an object`);
      continue;
    }
    const id = e['accessKeyId'];
    const arn = e['principalArn'];
    if (typeof id !== 'string' || !ACCESS_KEY_ID.test(id)) problems.push(`${at}.accessKeyId must be 16-128 characters of A-Z and 0-9`);
    else if (byAccessKeyId.has(id)) problems.push(`${at}.accessKeyId ${id} is listed twice`);
    const account = typeof arn === 'string' ? accountOfPrincipalArn(arn) : undefined;
    if (account === undefined) problems.push(`${at}.principalArn must be an IAM user, role, root or assumed-role ARN`);
    if (e['account'] !== undefined && e['account'] !== account) problems.push(`${at}.account must be the principal ARN's account (${account ?? '?'})`);
    const policy = e['iamPolicy'];
    if (policy !== undefined && (!isObject(policy) || policy['Statement'] === undefined)) problems.push(`${at}.iamPolicy must be a policy document with a Statement`);
    if (typeof id === 'string' && typeof arn === 'string' && account !== undefined) {
      byAccessKeyId.set(id, Object.freeze({ accessKeyId: id, principalArn: arn, account, iamPolicy: policy === undefined ? undefined : readPolicyStatements(JSON.stringify(policy)) }));
    }
  }
  if (problems.length > 0) throw new Error(`${source}: ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
  return Object.freeze({ strict: strict === true, byAccessKeyId });
}

/** The caller behind an access key id; undefined when strict mode refuses it. */
export function resolveCaller(identities: Identities, accessKeyId: string | undefined, fallback: Caller): Identity | undefined {
  const known = accessKeyId === undefined ? undefined : identities.byAccessKeyId.get(accessKeyId);
  if (known !== undefined) return known;
  if (identities.strict) return undefined;
  return { accessKeyId: accessKeyId ?? '', principalArn: fallback.principalArn, account: fallback.account, iamPolicy: undefined };
}
