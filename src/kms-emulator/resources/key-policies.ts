/** Key policies: GetKeyPolicy, PutKeyPolicy (principals and the lockout safety check: key-access.ts), ListKeyPolicies. */
import { kmsError } from '../wire/kms-exceptions.js';
import type { KeyAccess } from './key-access.js';
import type { KeyResolver } from './key-resolver.js';
import { checkKeyPolicy, DEFAULT_POLICY_NAME, POLICY_NAME } from './key-policy-rules.js';
import { pageOutput, paginate } from './pagination.js';
import type { EmptyOutput, KmsServiceDeps, RequestContext } from '../context/service-context.js';
import { optionalBoolean, optionalString, type JsonObject } from '../wire/fields.js';

export type GetKeyPolicyInput = { readonly KeyId: string; readonly PolicyName?: string };
export type GetKeyPolicyOutput = { readonly Policy: string; readonly PolicyName: string };
export type PutKeyPolicyInput = { readonly KeyId: string; readonly PolicyName?: string; readonly Policy: string; readonly BypassPolicyLockoutSafetyCheck?: boolean };
export type ListKeyPoliciesInput = { readonly KeyId: string; readonly Limit?: number; readonly Marker?: string };
export type ListKeyPoliciesOutput = { readonly PolicyNames: string[]; readonly Truncated: boolean; readonly NextMarker?: string };

export interface KeyPolicyService {
  getKeyPolicy(input: GetKeyPolicyInput): Promise<GetKeyPolicyOutput>;
  putKeyPolicy(input: PutKeyPolicyInput, ctx: RequestContext): Promise<EmptyOutput>;
  listKeyPolicies(input: ListKeyPoliciesInput): Promise<ListKeyPoliciesOutput>;
}

/** PolicyName is optional in the current API and defaults to `default`, the only name there is. */
function policyName(body: JsonObject): string {
  const name = optionalString(body, 'PolicyName', POLICY_NAME) ?? DEFAULT_POLICY_NAME;
  if (name !== DEFAULT_POLICY_NAME) throw kmsError.NotFoundException(`No such policy exists: ${name}. The only key policy name is ${DEFAULT_POLICY_NAME}.`);
  return name;
}

export function createKeyPolicyService(deps: KmsServiceDeps, resolver: KeyResolver, access: Pick<KeyAccess, 'checkNewPolicy'>): KeyPolicyService {
  const { store, logger } = deps;
  const idOnly = { aliases: false } as const;
  return {
    async getKeyPolicy(input) {
      const k = resolver.keyFrom(input, 'KeyId', idOnly);
      return { Policy: k.policy, PolicyName: policyName(input) };
    },

    async putKeyPolicy(input, ctx) {
      const k = resolver.keyFrom(input, 'KeyId', idOnly);
      policyName(input);
      if (input.Policy === undefined || input.Policy === null) throw kmsError.ValidationException("1 validation error detected: Value null at 'policy' failed to satisfy constraint: Member must not be null");
      const policy = checkKeyPolicy(input.Policy);
      const bypass = optionalBoolean(input, 'BypassPolicyLockoutSafetyCheck') ?? false;
      resolver.notPendingDeletion(k, 'PutKeyPolicy');
      access.checkNewPolicy(policy, k.arn, ctx, bypass);
      store.putKey({ ...k, policy });
      logger.info({ kmsRequestId: ctx.requestId, keyArn: k.arn, policyBytes: Buffer.byteLength(policy) }, 'key policy replaced');
      return {};
    },

    async listKeyPolicies(input) {
      resolver.keyFrom(input, 'KeyId', idOnly);
      return pageOutput('PolicyNames', paginate([DEFAULT_POLICY_NAME], input, (n) => n, { defaultLimit: 100, maxLimit: 1000 }));
    },
  };
}
