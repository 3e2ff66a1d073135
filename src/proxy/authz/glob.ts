/** A compiled glob: `test(value)` says whether the whole value matches. */
export interface Glob {
  test(value: string): boolean;
}

/**
 * Glob patterns for policy conditions: `*` matches any run of characters (also `:` and `/`, as in IAM ARN
 * patterns), `?` exactly one; everything else is literal and case-sensitive. Compiled once, when the policy loads.
 *
 * Not a RegExp: `^[\s\S]*a[\s\S]*a...$` backtracks through every way of splitting the value between the stars, so a
 * pattern with a handful of `*` against a long request value (ARNs up to 2048 chars, spec A3) blocked the event
 * loop for seconds to minutes. This matcher remembers only the last `*` and so runs in O(pattern x value).
 */
export function compileGlob(pattern: string): Glob {
  const p = Array.from(pattern); // code points, so `?` is one character as docs/security.md says
  return Object.freeze({ test: (value: string) => matchGlob(p, Array.from(value)) });
}

function matchGlob(p: readonly string[], v: readonly string[]): boolean {
  let pi = 0;
  let vi = 0;
  let starPi = -1; // position in p just after the last `*` seen
  let starVi = 0; // position in v that `*` was last extended to
  while (vi < v.length) {
    const pc = p[pi];
    if (pc === '*') {
      starPi = ++pi;
      starVi = vi;
    } else if (pc !== undefined && (pc === '?' || pc === v[vi])) {
      pi++;
      vi++;
    } else if (starPi >= 0) {
      // Let the last `*` swallow one more character and retry the rest from there.
      pi = starPi;
      vi = ++starVi;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}
