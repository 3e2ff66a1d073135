import type { FaultRule } from './fault-rules.js';

/** A key store as fault rules may name it: its name and its external key ids. */
export interface FaultScope {
  readonly name: string;
  readonly keys: readonly string[];
}

const list = (names: readonly string[]): string => (names.length === 0 ? '(none)' : names.join(', '));

/**
 * Pure: the problems of rules that name a key store or key the proxy does not have. Such a rule would be accepted
 * and match nothing, silently (docs/faults.md): refused instead, with the names that exist.
 */
export function faultTargetProblems(rules: readonly FaultRule[], scopes: readonly FaultScope[]): string[] {
  const problems: string[] = [];
  rules.forEach((rule, i) => {
    const store = rule.keyStore === undefined ? undefined : scopes.find((s) => s.name === rule.keyStore);
    if (rule.keyStore !== undefined && store === undefined) {
      problems.push(`${i}.keyStore: no key store named ${JSON.stringify(rule.keyStore)} (key stores: ${list(scopes.map((s) => s.name))})`);
      return;
    }
    const id = rule.externalKeyId;
    if (id === undefined) return;
    const inScope = store === undefined ? scopes : [store];
    if (inScope.some((s) => s.keys.includes(id))) return;
    const where = store === undefined ? 'any key store' : `key store ${store.name}`;
    problems.push(`${i}.externalKeyId: no key ${JSON.stringify(id)} in ${where} (keys: ${list([...new Set(inScope.flatMap((s) => s.keys))].sort())})`);
  });
  return problems;
}
