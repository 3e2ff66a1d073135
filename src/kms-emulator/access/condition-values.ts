/**
 * The condition keys a KMS request supplies (names compared case-insensitively): kms:EncryptionContext:<key>,
 * kms:EncryptionContextKeys, kms:CallerAccount, kms:ViaService, kms:GrantIsForAWSResource, kms:RequestAlias,
 * aws:PrincipalArn, aws:PrincipalAccount. A key the request does not supply is absent (undefined).
 */
import type { ConditionValues } from './conditions.js';
import type { Caller } from './evaluate-policy.js';

export interface RequestFacts {
  readonly caller: Caller;
  readonly region: string;
  /** The request's encryption context for this key (undefined: the operation has none). */
  readonly encryptionContext?: Readonly<Record<string, string>> | undefined;
  /** The emulator's `x-emulator-kms-via-service` header, e.g. `ec2` (spec A3 kmsViaService). */
  readonly viaService?: string | undefined;
  /** Grant operations only: whether the grant is for an AWS service (true when called via a service). */
  readonly grantOperation?: boolean;
  /** The alias the request named the key by, e.g. `alias/orders`. */
  readonly requestAlias?: string | undefined;
}

const CONTEXT_PREFIX = 'kms:encryptioncontext:';

export function buildConditionValues(f: RequestFacts): ConditionValues {
  return (key) => {
    const k = key.toLowerCase();
    if (k.startsWith(CONTEXT_PREFIX)) {
      const wanted = key.slice(CONTEXT_PREFIX.length);
      const ctx = f.encryptionContext;
      if (ctx === undefined) return undefined;
      if (Object.hasOwn(ctx, wanted)) return [ctx[wanted] ?? ''];
      // The context key in the condition key name is not case-sensitive; the value is.
      const found = Object.keys(ctx).find((c) => c.toLowerCase() === wanted.toLowerCase());
      return found === undefined ? undefined : [ctx[found] ?? ''];
    }
    switch (k) {
      case 'kms:encryptioncontextkeys':
        return f.encryptionContext === undefined || Object.keys(f.encryptionContext).length === 0 ? undefined : Object.keys(f.encryptionContext);
      case 'kms:calleraccount':
      case 'aws:principalaccount':
        return [f.caller.account];
      case 'aws:principalarn':
        return [f.caller.principalArn];
      case 'kms:viaservice':
        return f.viaService === undefined ? undefined : [`${f.viaService}.${f.region}.amazonaws.com`];
      case 'kms:grantisforawsresource':
        return f.grantOperation === true ? [f.viaService === undefined ? 'false' : 'true'] : undefined;
      case 'kms:requestalias':
        return f.requestAlias === undefined ? undefined : [f.requestAlias];
      default:
        return undefined;
    }
  };
}
