/**
 * The principals of a key policy that cannot exist, as KMS refuses them ("Policy contains a statement with one or
 * more invalid principals."): an `AWS` principal that is neither `*`, an account id, nor an IAM root, user, role
 * or assumed-role ARN; and, when the emulator knows its account's principals (an identities file), a user or role
 * of its own account that it does not know. Principals of other accounts cannot be checked and are accepted.
 */
import type { PolicyStatement } from './policy-document.js';

const ACCOUNT = /^\d{12}$/;
const ROOT = /^arn:aws:iam::\d{12}:root$/;
const USER_OR_ROLE = /^arn:aws:iam::(\d{12}):(?:user|role)\/[\w+=,.@/-]+$/;
const ASSUMED_ROLE = /^arn:aws:sts::(\d{12}):assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+$/;
const SERVICE = /^[a-z0-9.-]+\.amazonaws\.com(?:\.cn)?$/;

export interface PrincipalUniverse {
  readonly accountId: string;
  /** The principal ARNs of the emulator's account that exist; undefined: unknown, any well-formed ARN is accepted. */
  readonly known: ReadonlySet<string> | undefined;
}

export function invalidPrincipals(statements: readonly PolicyStatement[], universe: PrincipalUniverse): string[] {
  const bad: string[] = [];
  for (const s of statements) {
    for (const set of [s.principal, s.notPrincipal]) {
      if (set === undefined) continue;
      for (const p of set.aws) {
        if (ACCOUNT.test(p) || ROOT.test(p)) continue;
        const m = USER_OR_ROLE.exec(p) ?? ASSUMED_ROLE.exec(p);
        if (m === null) bad.push(p);
        else if (m[1] === universe.accountId && universe.known !== undefined && !universe.known.has(p) && USER_OR_ROLE.test(p)) bad.push(p);
      }
      for (const p of set.service) if (!SERVICE.test(p)) bad.push(p);
    }
  }
  return bad;
}
