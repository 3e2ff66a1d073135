/**
 * Policy conditions: the operators XKS and envelope-encryption policies use (String*, Arn*, Bool, Null, with the
 * ForAllValues:/ForAnyValue: set qualifiers and the IfExists suffix), over the values a request supplies for each
 * condition key. Unknown operators never match (the statement does not apply), as a safe reading.
 */
import type { Condition } from './policy-document.js';
import { matchesWildcard } from './wildcard.js';

/** The request's value(s) for a condition key (names compared case-insensitively); undefined: the key is absent. */
export type ConditionValues = (key: string) => readonly string[] | undefined;

type Compare = (policyValue: string, requestValue: string) => boolean;

const BASE: Readonly<Record<string, { readonly compare: Compare; readonly negated: boolean }>> = Object.freeze({
  stringequals: { compare: (p, r) => p === r, negated: false },
  stringnotequals: { compare: (p, r) => p === r, negated: true },
  stringequalsignorecase: { compare: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: false },
  stringnotequalsignorecase: { compare: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: true },
  stringlike: { compare: (p, r) => matchesWildcard(p, r), negated: false },
  stringnotlike: { compare: (p, r) => matchesWildcard(p, r), negated: true },
  arnequals: { compare: (p, r) => matchesWildcard(p, r), negated: false },
  arnlike: { compare: (p, r) => matchesWildcard(p, r), negated: false },
  arnnotequals: { compare: (p, r) => matchesWildcard(p, r), negated: true },
  arnnotlike: { compare: (p, r) => matchesWildcard(p, r), negated: true },
  bool: { compare: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: false },
});

/** The operators this evaluator knows, for policy checks and docs. */
export const CONDITION_OPERATORS: readonly string[] = Object.freeze(['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Bool', 'Null']);

export function isKnownOperator(operator: string): boolean {
  const { base } = splitOperator(operator);
  return base === 'null' || Object.hasOwn(BASE, base);
}

function splitOperator(operator: string): { qualifier: 'any' | 'all' | undefined; base: string; ifExists: boolean } {
  let op = operator.toLowerCase();
  let qualifier: 'any' | 'all' | undefined;
  if (op.startsWith('forallvalues:')) {
    qualifier = 'all';
    op = op.slice('forallvalues:'.length);
  } else if (op.startsWith('foranyvalue:')) {
    qualifier = 'any';
    op = op.slice('foranyvalue:'.length);
  }
  const ifExists = op.endsWith('ifexists') && op !== 'ifexists';
  return { qualifier, base: ifExists ? op.slice(0, -'ifexists'.length) : op, ifExists };
}

/** One condition against the request. */
export function conditionMatches(c: Condition, values: ConditionValues): boolean {
  const { qualifier, base, ifExists } = splitOperator(c.operator);
  const request = values(c.key);
  const present = request !== undefined && request.length > 0;
  if (base === 'null') {
    const wantAbsent = (c.values[0] ?? '').toLowerCase() === 'true';
    return wantAbsent ? !present : present;
  }
  const op = Object.hasOwn(BASE, base) ? BASE[base] : undefined;
  if (op === undefined) return false;
  if (!present) {
    if (qualifier === 'all') return true;
    if (qualifier === 'any') return false;
    return ifExists || op.negated;
  }
  const matchesOne = (r: string): boolean => {
    const hit = c.values.some((p) => op.compare(p, r));
    return op.negated ? !hit : hit;
  };
  if (qualifier === 'all') return request.every(matchesOne);
  if (op.negated && qualifier === undefined) return request.every(matchesOne);
  return request.some(matchesOne);
}

export function allConditionsMatch(conditions: readonly Condition[], values: ConditionValues): boolean {
  return conditions.every((c) => conditionMatches(c, values));
}
