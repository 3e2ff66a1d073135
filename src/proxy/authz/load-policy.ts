import { readFileSync } from 'node:fs';
import { parsePolicy, PolicyError, type AuthorizationPolicy } from './policy.js';

/** Read and compile a JSON policy file; every problem is a line naming the file. */
export function loadPolicyFile(file: string, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): AuthorizationPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFile(file));
  } catch (error) {
    const why = error instanceof SyntaxError ? `not valid JSON: ${error.message}` : `cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
    throw new PolicyError([`${file}: ${why}`]);
  }
  try {
    return parsePolicy(raw);
  } catch (error) {
    if (error instanceof PolicyError) throw new PolicyError(error.problems.map((p) => `${file}: ${p}`));
    throw error;
  }
}
