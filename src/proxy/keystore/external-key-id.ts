import { z } from 'zod';
import { EXTERNAL_KEY_ID_PATTERN } from '../../xks/limits.js';

/**
 * The one rule for the id of a key this proxy keeps, used by `xks keys`, the key file loader, the key stores and so
 * the HTTP route: the spec's shape (A2 / C11: 1-128 chars of A-Za-z0-9-._) and no leading '.'. A key directory's
 * dot-entries belong to the proxy (temporary files, the lock, `.health/`): a key `.x` would never be loaded, and one
 * named like a lock file could be swept away by the next writer.
 */
export function externalKeyIdProblem(id: string): string | undefined {
  if (!EXTERNAL_KEY_ID_PATTERN.test(id)) return 'externalKeyId must be 1-128 chars of A-Za-z0-9-._ (spec A2)';
  if (id.startsWith('.')) return "externalKeyId must not start with '.' (dot-files in a key directory belong to the proxy)";
  return undefined;
}

export function isExternalKeyId(id: string): boolean {
  return externalKeyIdProblem(id) === undefined;
}

/** The rule as a zod string schema, for the key file formats and the configuration's key overrides. */
export const externalKeyIdSchema = z.string().superRefine((id, ctx) => {
  const problem = externalKeyIdProblem(id);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});
