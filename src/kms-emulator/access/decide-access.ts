/**
 * Who may do what with a KMS key, as KMS decides it: the key policy, the caller's IAM policy where the key policy
 * lets IAM decide (a statement naming the account), and the key's grants. An explicit Deny in either policy wins;
 * otherwise a key policy Allow, an IAM Allow behind an account statement, or a matching grant allows; otherwise
 * default deny. The decision names what decided, for the emulator's explanations.
 */
import type { ConditionValues } from './conditions.js';
import { evaluatePolicy, principalMatch, type Caller } from './evaluate-policy.js';
import type { PolicyStatement } from './policy-document.js';

export interface GrantView {
  readonly grantId: string;
  readonly name?: string | undefined;
  readonly granteePrincipal: string;
  readonly operations: readonly string[];
  readonly constraints?: { readonly EncryptionContextSubset?: Readonly<Record<string, string>>; readonly EncryptionContextEquals?: Readonly<Record<string, string>> } | undefined;
}

export interface AccessQuery {
  /** e.g. `kms:Decrypt` (ReEncrypt: `kms:ReEncryptFrom` / `kms:ReEncryptTo`). */
  readonly action: string;
  readonly keyArn: string;
  readonly caller: Caller;
  readonly keyPolicy: readonly PolicyStatement[];
  /** The caller's IAM policy; undefined: none configured, IAM allows whatever the key policy leaves to it. */
  readonly iamPolicy: readonly PolicyStatement[] | undefined;
  /** The key's grants, read only when the policies have not decided (the hot path reads none). */
  readonly grants: () => readonly GrantView[];
  /** The request's encryption context, for grant constraints; undefined: the operation has none. */
  readonly encryptionContext: Readonly<Record<string, string>> | undefined;
  readonly values: ConditionValues;
}

export type DecidedBy =
  | { readonly kind: 'key-policy'; readonly statement: number; readonly sid: string | undefined }
  | { readonly kind: 'iam-policy'; readonly statement: number | undefined; readonly sid: string | undefined; readonly keyPolicyStatement: number; readonly keyPolicySid: string | undefined }
  | { readonly kind: 'grant'; readonly grantId: string; readonly name: string | undefined }
  | { readonly kind: 'default-deny'; readonly missing: 'resource-based' | 'identity-based' };

export interface AccessDecision {
  readonly allowed: boolean;
  /** An explicit Deny decided (in the key policy, or in the IAM policy when decidedBy.kind is 'iam-policy'). */
  readonly explicitDeny: boolean;
  readonly decidedBy: DecidedBy;
}

const stmt = (s: PolicyStatement) => ({ statement: s.index, sid: s.sid });

function constraintsHold(g: GrantView, context: Readonly<Record<string, string>> | undefined): boolean {
  const c = g.constraints;
  if (c === undefined || context === undefined) return true;
  if (c.EncryptionContextEquals !== undefined) {
    const want = c.EncryptionContextEquals;
    const keys = Object.keys(context);
    return keys.length === Object.keys(want).length && keys.every((k) => Object.hasOwn(want, k) && want[k] === context[k]);
  }
  if (c.EncryptionContextSubset !== undefined) {
    return Object.entries(c.EncryptionContextSubset).every(([k, v]) => Object.hasOwn(context, k) && context[k] === v);
  }
  return true;
}

/** The grant that allows the request, if any. */
export function findAllowingGrant(q: Pick<AccessQuery, 'action' | 'caller' | 'grants' | 'encryptionContext'>): GrantView | undefined {
  const operation = q.action.replace(/^kms:/i, '');
  return q.grants().find(
    (g) => g.operations.includes(operation) && principalMatch({ anyone: false, aws: [g.granteePrincipal], service: [] }, q.caller) === 'direct' && constraintsHold(g, q.encryptionContext),
  );
}

export function decideAccess(q: AccessQuery): AccessDecision {
  const request = { action: q.action, resource: q.keyArn, caller: q.caller, values: q.values };
  const kp = evaluatePolicy(q.keyPolicy, request);
  if (kp.effect === 'Deny') return { allowed: false, explicitDeny: true, decidedBy: { kind: 'key-policy', ...stmt(kp.statement) } };
  const iam = q.iamPolicy === undefined ? undefined : evaluatePolicy(q.iamPolicy, request, true);
  if (kp.effect === 'Allow' && iam?.effect === 'Deny') {
    return { allowed: false, explicitDeny: true, decidedBy: { kind: 'iam-policy', ...stmt(iam.statement), keyPolicyStatement: kp.statement.index, keyPolicySid: kp.statement.sid } };
  }
  if (kp.effect === 'Allow' && !kp.iamDecides) return { allowed: true, explicitDeny: false, decidedBy: { kind: 'key-policy', ...stmt(kp.statement) } };
  if (kp.effect === 'Allow' && (iam === undefined || iam.effect === 'Allow')) {
    const s = iam?.effect === 'Allow' ? stmt(iam.statement) : { statement: undefined, sid: undefined };
    return { allowed: true, explicitDeny: false, decidedBy: { kind: 'iam-policy', ...s, keyPolicyStatement: kp.statement.index, keyPolicySid: kp.statement.sid } };
  }
  const grant = findAllowingGrant(q);
  if (grant !== undefined) return { allowed: true, explicitDeny: false, decidedBy: { kind: 'grant', grantId: grant.grantId, name: grant.name } };
  return { allowed: false, explicitDeny: false, decidedBy: { kind: 'default-deny', missing: kp.effect === 'Allow' ? 'identity-based' : 'resource-based' } };
}

/** KMS's AccessDeniedException message for a refused decision. */
export function accessDeniedMessage(q: Pick<AccessQuery, 'action' | 'keyArn' | 'caller'>, d: AccessDecision): string {
  const head = `User: ${q.caller.principalArn} is not authorized to perform: ${q.action} on resource: ${q.keyArn}`;
  const kind = d.decidedBy.kind === 'iam-policy' || (d.decidedBy.kind === 'default-deny' && d.decidedBy.missing === 'identity-based') ? 'identity-based' : 'resource-based';
  return d.explicitDeny ? `${head} with an explicit deny in ${kind === 'identity-based' ? 'an' : 'a'} ${kind} policy` : `${head} because no ${kind} policy allows the ${q.action} action`;
}

/** One line for logs and views: which statement or grant decided. */
export function describeDecision(d: AccessDecision): string {
  const b = d.decidedBy;
  const name = (n: number | undefined, sid: string | undefined) => (n === undefined ? 'no statement' : `statement ${n}${sid === undefined ? '' : ` (Sid ${sid})`}`);
  switch (b.kind) {
    case 'key-policy':
      return `${d.allowed ? 'allowed' : 'explicit deny'} by key policy ${name(b.statement, b.sid)}`;
    case 'iam-policy':
      return d.allowed
        ? `allowed: key policy ${name(b.keyPolicyStatement, b.keyPolicySid)} lets IAM decide; IAM policy ${b.statement === undefined ? '(none configured: allows)' : name(b.statement, b.sid)}`
        : `explicit deny by the caller's IAM policy ${name(b.statement, b.sid)}`;
    case 'grant':
      return `allowed by grant ${b.grantId}${b.name === undefined ? '' : ` (${b.name})`}`;
    case 'default-deny':
      return b.missing === 'identity-based'
        ? 'denied: the key policy lets IAM decide, and the caller\'s IAM policy does not allow it (no grant allows it either)'
        : 'denied: no key policy statement and no grant allows it (default deny)';
  }
}
