/**
 * Key policies and grants decide (access/decide-access.ts), for every operation before it runs: the key policy of
 * each key the request acts on (access-targets.ts), the caller's IAM policy where the key policy lets IAM decide,
 * and the key's grants. A refusal is AccessDeniedException with KMS's message; every decision is kept (the last
 * MAX_DECISIONS) with what decided it, for the `/_emulator/access` view and the console's key page.
 * Also the checks KMS makes on a new key policy: its principals, and the lockout safety check.
 */
import { accessDeniedMessage, decideAccess, describeDecision, type AccessDecision, type DecidedBy } from '../access/decide-access.js';
import { buildConditionValues } from '../access/condition-values.js';
import { evaluatePolicy } from '../access/evaluate-policy.js';
import { invalidPrincipals } from '../access/policy-principals.js';
import { readPolicyStatements } from '../access/policy-document.js';
import type { Identity } from '../access/identities.js';
import type { KmsServiceDeps, RequestContext } from '../context/service-context.js';
import type { GrantConstraintsRecord, GrantRecord, KmsKeyRecord } from '../store/records.js';
import type { JsonObject } from '../wire/fields.js';
import { kmsError } from '../wire/kms-exceptions.js';
import { createAccessTargets, GRANT_OPERATIONS, type AccessTarget } from './access-targets.js';
import type { KeyResolver } from './key-resolver.js';
import type { KeySealing } from './key-sealing.js';

/** Decisions kept for the views. */
export const MAX_DECISIONS = 500;

export interface AccessDecisionRecord {
  readonly time: number;
  readonly requestId: string;
  readonly operation: string;
  readonly action: string;
  /** The key ARN, or `*` for operations on no key. */
  readonly resource: string;
  readonly keyId: string | undefined;
  readonly principalArn: string;
  readonly allowed: boolean;
  readonly explicitDeny: boolean;
  readonly decidedBy: DecidedBy;
  /** One sentence: which statement or grant decided. */
  readonly explanation: string;
}

export interface KeyAccess {
  /** Throws AccessDeniedException (or InvalidGrantTokenException) when the caller may not do this. */
  authorize(operation: string, body: JsonObject, ctx: RequestContext): void;
  /** CreateKey / PutKeyPolicy: principals that cannot exist, and the lockout safety check (unless bypassed). */
  checkNewPolicy(policy: string, keyArn: string, ctx: RequestContext, bypassLockoutCheck: boolean): void;
  /** The most recent decisions, newest first; those about one key when keyId is given. */
  recent(keyId?: string): AccessDecisionRecord[];
  /** The emulator's own view of a key for explanations (not a KMS call: no policy applies); undefined if unknown. */
  keyView(keyId: string): KeyAccessView | undefined;
}

export interface KeyAccessView {
  readonly keyId: string;
  readonly keyArn: string;
  readonly keyState: string;
  readonly policy: string;
  readonly grants: readonly { readonly GrantId: string; readonly Name?: string; readonly GranteePrincipal: string; readonly RetiringPrincipal?: string; readonly Operations: readonly string[]; readonly Constraints?: GrantConstraintsRecord }[];
  readonly decisions: readonly AccessDecisionRecord[];
}

const LOCKOUT_MESSAGE = 'The new key policy will not allow you to update the key policy in the future.';
const INVALID_PRINCIPALS = 'Policy contains a statement with one or more invalid principals.';

export function createKeyAccess(deps: KmsServiceDeps, resolver: KeyResolver, sealing: KeySealing): KeyAccess {
  const { config, store, clock, logger } = deps;
  const targets = createAccessTargets(store, resolver, sealing);
  const decisions: AccessDecisionRecord[] = [];

  function record(r: AccessDecisionRecord): void {
    decisions.push(r);
    if (decisions.length > MAX_DECISIONS) decisions.splice(0, decisions.length - MAX_DECISIONS);
    logger[r.allowed ? 'debug' : 'info']({ kmsRequestId: r.requestId, action: r.action, resource: r.resource, principal: r.principalArn, allowed: r.allowed, decidedBy: r.explanation }, 'access decision');
  }

  function deny(ctx: RequestContext, action: string, resource: string, d: AccessDecision): never {
    throw kmsError.AccessDeniedException(accessDeniedMessage({ action, keyArn: resource, caller: ctx.caller }, d), { detail: describeDecision(d) });
  }

  function decideFor(operation: string, t: AccessTarget, ctx: RequestContext): AccessDecision {
    const values = buildConditionValues({ caller: ctx.caller, region: config.region, encryptionContext: t.encryptionContext, viaService: ctx.viaService, grantOperation: GRANT_OPERATIONS.has(operation), requestAlias: t.requestAlias });
    return decideAccess({
      action: t.action,
      keyArn: t.key.arn,
      caller: ctx.caller,
      keyPolicy: readPolicyStatements(t.key.policy),
      iamPolicy: ctx.caller.iamPolicy,
      grants: () => store.listGrants(t.key.keyId).map((g) => ({ grantId: g.grantId, name: g.name, granteePrincipal: g.granteePrincipal, operations: g.operations, constraints: g.constraints })),
      encryptionContext: t.encryptionContext,
      values,
    });
  }

  function keep(operation: string, action: string, key: KmsKeyRecord | undefined, d: AccessDecision, ctx: RequestContext): void {
    record({ time: clock(), requestId: ctx.requestId, operation, action, resource: key?.arn ?? '*', keyId: key?.keyId, principalArn: ctx.caller.principalArn, allowed: d.allowed, explicitDeny: d.explicitDeny, decidedBy: d.decidedBy, explanation: describeDecision(d) });
  }

  /** Operations on no key: the caller's IAM policy alone (none configured: allowed). */
  function iamOnly(operation: string, ctx: RequestContext): void {
    const iam = ctx.caller.iamPolicy;
    if (iam === undefined) return;
    const action = `kms:${operation}`;
    const v = evaluatePolicy(iam, { action, resource: '*', caller: ctx.caller, values: buildConditionValues({ caller: ctx.caller, region: config.region, viaService: ctx.viaService }) }, true);
    const d: AccessDecision =
      v.effect === 'Allow'
        ? { allowed: true, explicitDeny: false, decidedBy: { kind: 'iam-policy', statement: v.statement.index, sid: v.statement.sid, keyPolicyStatement: 0, keyPolicySid: undefined } }
        : v.effect === 'Deny'
          ? { allowed: false, explicitDeny: true, decidedBy: { kind: 'iam-policy', statement: v.statement.index, sid: v.statement.sid, keyPolicyStatement: 0, keyPolicySid: undefined } }
          : { allowed: false, explicitDeny: false, decidedBy: { kind: 'default-deny', missing: 'identity-based' } };
    keep(operation, action, undefined, d, ctx);
    if (!d.allowed) deny(ctx, action, '*', d);
  }

  function findGrant(body: JsonObject): GrantRecord | undefined {
    const token = body['GrantToken'];
    if (typeof token === 'string') return store.getGrantByToken(token);
    const grantId = body['GrantId'];
    return typeof grantId === 'string' ? store.getGrant(grantId) : undefined;
  }

  /** RetireGrant: the retiring principal, or the grantee when RetireGrant is one of its operations; else the key policy. */
  function authorizeRetire(body: JsonObject, ctx: RequestContext): void {
    const g = findGrant(body);
    const key = g === undefined ? undefined : store.getKey(g.keyId);
    if (g === undefined || key === undefined) return;
    const me = ctx.caller.principalArn;
    if (g.retiringPrincipal === me || (g.granteePrincipal === me && g.operations.includes('RetireGrant'))) {
      keep('RetireGrant', 'kms:RetireGrant', key, { allowed: true, explicitDeny: false, decidedBy: { kind: 'grant', grantId: g.grantId, name: g.name } }, ctx);
      return;
    }
    const t: AccessTarget = { action: 'kms:RetireGrant', key, encryptionContext: undefined, requestAlias: undefined };
    const d = decideFor('RetireGrant', t, ctx);
    keep('RetireGrant', t.action, key, d, ctx);
    if (!d.allowed) deny(ctx, t.action, key.arn, d);
  }

  /** GrantTokens: each must be the token of a grant that exists (grants take effect at once in the emulator). */
  function checkGrantTokens(body: JsonObject): void {
    const tokens = body['GrantTokens'];
    if (!Array.isArray(tokens)) return;
    // One indexed lookup per token (at most 10, API model GrantTokenList).
    if (tokens.some((t: unknown) => typeof t === 'string' && store.getGrantByToken(t) === undefined)) {
      throw kmsError.InvalidGrantTokenException('The grant token is not valid (unknown, or its grant was retired or revoked).');
    }
  }

  return {
    authorize(operation, body, ctx) {
      checkGrantTokens(body);
      if (operation === 'RetireGrant') return authorizeRetire(body, ctx);
      const list = targets.targetsOf(operation, body);
      if (list.length === 0) return iamOnly(operation, ctx);
      for (const t of list) {
        const d = decideFor(operation, t, ctx);
        keep(operation, t.action, t.key, d, ctx);
        if (!d.allowed) deny(ctx, t.action, t.key.arn, d);
      }
    },

    checkNewPolicy(policy, keyArn, ctx, bypassLockoutCheck) {
      const statements = readPolicyStatements(policy);
      if (invalidPrincipals(statements, { accountId: config.accountId, known: knownPrincipals(config.identities.byAccessKeyId.values(), config) }).length > 0) {
        throw kmsError.MalformedPolicyDocumentException(INVALID_PRINCIPALS);
      }
      if (bypassLockoutCheck) return;
      const values = buildConditionValues({ caller: ctx.caller, region: config.region });
      const d = decideAccess({ action: 'kms:PutKeyPolicy', keyArn, caller: ctx.caller, keyPolicy: statements, iamPolicy: ctx.caller.iamPolicy, grants: () => [], encryptionContext: undefined, values });
      if (!d.allowed) throw kmsError.MalformedPolicyDocumentException(LOCKOUT_MESSAGE, { detail: `lockout safety check: ${describeDecision(d)}` });
    },

    recent(keyId) {
      return decisions.filter((d) => keyId === undefined || d.keyId === keyId).reverse();
    },

    keyView(keyId) {
      const k = store.getKey(keyId);
      if (k === undefined) return undefined;
      const grants = store.listGrants(k.keyId).map((g) => ({
        GrantId: g.grantId,
        ...(g.name !== undefined && { Name: g.name }),
        GranteePrincipal: g.granteePrincipal,
        ...(g.retiringPrincipal !== undefined && { RetiringPrincipal: g.retiringPrincipal }),
        Operations: g.operations,
        ...(g.constraints !== undefined && { Constraints: g.constraints }),
      }));
      return { keyId: k.keyId, keyArn: k.arn, keyState: resolver.reportedState(k), policy: k.policy, grants, decisions: decisions.filter((d) => d.keyId === k.keyId).reverse() };
    },
  };
}

/** The principals the emulator knows exist in its account: the identities file's, the credentials', its default. */
function knownPrincipals(identities: Iterable<Identity>, config: KmsServiceDeps['config']): ReadonlySet<string> | undefined {
  const listed = [...identities].map((i) => i.principalArn);
  if (listed.length === 0) return undefined;
  return new Set([...listed, config.principalArn, ...(config.credentials ?? []).flatMap((c) => (c.principalArn === undefined ? [] : [c.principalArn]))]);
}
