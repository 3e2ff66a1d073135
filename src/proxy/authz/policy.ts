import { z } from 'zod';
import { compileGlob, type Glob } from './glob.js';

/**
 * Secondary authorization (spec A14 / C58-C60): an ordered list of allow/deny rules over request metadata, first
 * match decides, else the default. Pure: parse a policy document, evaluate a request. Format and sample in
 * docs/security.md and examples/authorization-policy.json.
 */

/** The request attributes a rule can test: requestMetadata (spec A3) plus the route. */
export const AUTHZ_FIELDS = [
  'operation',
  'externalKeyId',
  'awsPrincipalArn',
  'kmsKeyArn',
  'kmsOperation',
  'kmsViaService',
  'awsSourceVpc',
  'awsSourceVpce',
] as const;
export type AuthzField = (typeof AUTHZ_FIELDS)[number];

export type AuthorizationRequest = Partial<Record<AuthzField, string>>;

export type Effect = 'allow' | 'deny';

export interface AuthorizationDecision {
  readonly decision: Effect;
  /** The rule's id, `rules[<index>]` when it has none, or `default`. */
  readonly rule: string;
  /** Index of the deciding rule; undefined when the default decided. */
  readonly ruleIndex: number | undefined;
}

const patterns = z.union([z.string().min(1).max(4096), z.array(z.string().min(1).max(4096)).min(1).max(1000)]);

const conditionSchema = z
  .object(Object.fromEntries(AUTHZ_FIELDS.map((f) => [f, patterns.optional()])) as Record<AuthzField, z.ZodOptional<typeof patterns>>)
  .strict();

const ruleSchema = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/, 'rule ids are 1-128 chars of A-Za-z0-9._-')
      .optional(),
    description: z.string().max(1024).optional(),
    effect: z.enum(['allow', 'deny']),
    /** Every listed field must match one of its patterns; an empty or absent `when` matches every request. */
    when: conditionSchema.default({}),
  })
  .strict();

export const policySchema = z
  .object({
    description: z.string().max(4096).optional(),
    default: z.enum(['allow', 'deny']),
    rules: z.array(ruleSchema).max(10_000),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Map<string, number>();
    p.rules.forEach((r, i) => {
      if (r.id === undefined) return;
      const j = seen.get(r.id);
      if (j === undefined) seen.set(r.id, i);
      else ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id (also rules.${j})` });
    });
  });

interface CompiledRule {
  readonly name: string;
  readonly effect: Effect;
  readonly conditions: readonly { readonly field: AuthzField; readonly patterns: readonly Glob[] }[];
}

export interface AuthorizationPolicy {
  readonly default: Effect;
  readonly rules: readonly CompiledRule[];
}

/** Every problem in a policy document, reported together. */
export class PolicyError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid authorization policy:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Validate and compile a policy document (parsed JSON). Throws PolicyError with every problem. */
export function parsePolicy(raw: unknown): AuthorizationPolicy {
  const result = policySchema.safeParse(raw);
  if (!result.success) {
    throw new PolicyError(result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`));
  }
  const rules = result.data.rules.map(
    (r, i): CompiledRule =>
      Object.freeze({
        name: r.id ?? `rules[${i}]`,
        effect: r.effect,
        conditions: Object.freeze(
          AUTHZ_FIELDS.flatMap((field) => {
            const p = r.when[field];
            if (p === undefined) return [];
            return [{ field, patterns: Object.freeze((typeof p === 'string' ? [p] : p).map(compileGlob)) }];
          }),
        ),
      }),
  );
  return Object.freeze({ default: result.data.default, rules: Object.freeze(rules) });
}

/** A condition on a field the request does not carry never matches (e.g. kmsViaService on a direct call). */
function matches(rule: CompiledRule, request: AuthorizationRequest): boolean {
  return rule.conditions.every(({ field, patterns: ps }) => {
    const value = request[field];
    return value !== undefined && ps.some((p) => p.test(value));
  });
}

/** First matching rule decides; none matching -> the policy default. */
export function evaluatePolicy(policy: AuthorizationPolicy, request: AuthorizationRequest): AuthorizationDecision {
  for (const [index, rule] of policy.rules.entries()) {
    if (matches(rule, request)) return { decision: rule.effect, rule: rule.name, ruleIndex: index };
  }
  return { decision: policy.default, rule: 'default', ruleIndex: undefined };
}
