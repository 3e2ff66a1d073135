/**
 * Evaluating one policy document for one request, as IAM does for a single policy: a matching Deny wins, else a
 * matching Allow allows, else nothing is said (the caller's other policies, or default deny, decide).
 * For a key policy, a statement whose principal is the caller's account (`"AWS": "arn:aws:iam::<account>:root"`
 * or the bare account id) means "IAM decides": the allow counts only if the caller's IAM policy allows too.
 */
import { allConditionsMatch, type ConditionValues } from './conditions.js';
import type { PolicyStatement, PrincipalSet } from './policy-document.js';
import { matchesWildcard } from './wildcard.js';

export interface Caller {
  /** The principal ARN: an IAM user or role, an assumed-role session, or an account root. */
  readonly principalArn: string;
  /** The caller's 12-digit account. */
  readonly account: string;
}

export interface AccessRequest {
  /** e.g. `kms:Encrypt`. */
  readonly action: string;
  /** The KMS key ARN. */
  readonly resource: string;
  readonly caller: Caller;
  readonly values: ConditionValues;
}

export type PolicyVerdict =
  | { readonly effect: 'Deny'; readonly statement: PolicyStatement }
  | { readonly effect: 'Allow'; readonly statement: PolicyStatement; readonly iamDecides: boolean }
  | { readonly effect: 'None' };

const ROOT = /^arn:aws:iam::(\d{12}):root$/;
const ASSUMED_ROLE = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;
const ROLE = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/** How a principal element names the caller: directly, through the caller's account, or not at all. */
export function principalMatch(set: PrincipalSet, caller: Caller): 'direct' | 'account' | undefined {
  if (set.anyone) return 'direct';
  let via: 'direct' | 'account' | undefined;
  for (const p of set.aws) {
    if (p === caller.principalArn) return 'direct';
    const assumed = ASSUMED_ROLE.exec(caller.principalArn);
    const role = ROLE.exec(p);
    if (assumed !== null && role !== null && assumed[1] === role[1] && assumed[2] === role[2]) return 'direct';
    if (p === caller.account || ROOT.exec(p)?.[1] === caller.account) via = caller.principalArn === `arn:aws:iam::${caller.account}:root` ? 'direct' : 'account';
  }
  return via;
}

function listMatches(patterns: readonly string[] | undefined, value: string, ignoreCase: boolean): boolean {
  return patterns !== undefined && patterns.some((p) => matchesWildcard(p, value, ignoreCase));
}

/** Does the statement apply to the request? `'account'`: it applies through the caller's account (IAM decides). */
export function statementApplies(s: PolicyStatement, r: AccessRequest, identityPolicy: boolean): 'direct' | 'account' | undefined {
  let how: 'direct' | 'account' | undefined = 'direct';
  if (!identityPolicy) {
    if (s.principal !== undefined) how = principalMatch(s.principal, r.caller);
    else if (s.notPrincipal !== undefined) how = principalMatch(s.notPrincipal, r.caller) === undefined ? 'direct' : undefined;
    else how = undefined;
    if (how === undefined) return undefined;
  }
  if (s.action !== undefined ? !listMatches(s.action, r.action, true) : s.notAction === undefined || listMatches(s.notAction, r.action, true)) return undefined;
  if (s.resource !== undefined ? !listMatches(s.resource, r.resource, false) : s.notResource !== undefined && listMatches(s.notResource, r.resource, false)) return undefined;
  if (!allConditionsMatch(s.conditions, r.values)) return undefined;
  return how;
}

/** One policy's verdict. `identityPolicy`: an IAM policy (no Principal element; applies to its owner). */
export function evaluatePolicy(statements: readonly PolicyStatement[], r: AccessRequest, identityPolicy = false): PolicyVerdict {
  let allow: { statement: PolicyStatement; iamDecides: boolean } | undefined;
  for (const s of statements) {
    const how = statementApplies(s, r, identityPolicy);
    if (how === undefined) continue;
    if (s.effect === 'Deny') return { effect: 'Deny', statement: s };
    if (allow === undefined || (allow.iamDecides && how === 'direct')) allow = { statement: s, iamDecides: how === 'account' };
  }
  return allow === undefined ? { effect: 'None' } : { effect: 'Allow', ...allow };
}
