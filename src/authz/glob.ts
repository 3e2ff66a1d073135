/**
 * Glob patterns for policy conditions: `*` matches any run of characters (also `:` and `/`, as in IAM ARN
 * patterns), `?` exactly one; everything else is literal and case-sensitive. Compiled once, when the policy loads.
 */
export function compileGlob(pattern: string): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '[\\s\\S]*';
    else if (ch === '?') source += '[\\s\\S]';
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'u');
}
