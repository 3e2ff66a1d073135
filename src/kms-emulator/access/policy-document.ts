/**
 * A key policy (or an identity's IAM policy) read into statements for evaluation. The document was checked when
 * it was stored (key-policy-rules.ts); this reader only normalises: single values become lists, and the
 * `Principal` element becomes the lists of AWS principals and service principals it names.
 */

export type Effect = 'Allow' | 'Deny';

export interface PrincipalSet {
  /** `"*"` or `{"AWS": "*"}`: everyone. */
  readonly anyone: boolean;
  /** `AWS` principals as written: account ids, root ARNs, user and role ARNs. */
  readonly aws: readonly string[];
  /** `Service` principals (e.g. `ec2.amazonaws.com`). */
  readonly service: readonly string[];
}

export interface Condition {
  /** As written, e.g. `ForAnyValue:StringLike`, `StringEqualsIfExists`. */
  readonly operator: string;
  /** As written, e.g. `kms:EncryptionContext:tenant`. */
  readonly key: string;
  readonly values: readonly string[];
}

export interface PolicyStatement {
  /** 1-based position in the document. */
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: Effect;
  /** undefined: the statement has no Principal (an IAM identity policy), or it uses NotPrincipal. */
  readonly principal: PrincipalSet | undefined;
  readonly notPrincipal: PrincipalSet | undefined;
  readonly action: readonly string[] | undefined;
  readonly notAction: readonly string[] | undefined;
  readonly resource: readonly string[] | undefined;
  readonly notResource: readonly string[] | undefined;
  readonly conditions: readonly Condition[];
}

function isObject(v: unknown): v is Readonly<Record<string, unknown>> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A string or list of strings (other JSON scalars as their text, as IAM reads `true` and `123`). */
export function stringList(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? (v as unknown[]) : [v];
  return list.filter((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean').map((x) => String(x));
}

export function readPrincipal(v: unknown): PrincipalSet | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === '*') return { anyone: true, aws: [], service: [] };
  if (!isObject(v)) return { anyone: false, aws: [], service: [] };
  const aws = stringList(v['AWS']) ?? [];
  return { anyone: aws.includes('*'), aws: aws.filter((a) => a !== '*'), service: stringList(v['Service']) ?? [] };
}

function readConditions(v: unknown): Condition[] {
  if (!isObject(v)) return [];
  const out: Condition[] = [];
  for (const [operator, block] of Object.entries(v)) {
    if (!isObject(block)) continue;
    for (const [key, values] of Object.entries(block)) out.push({ operator, key, values: stringList(values) ?? [] });
  }
  return out;
}

/** Statements of a policy document; [] for text that is not a JSON policy (such a document allows nothing). */
export function readPolicyStatements(text: string): PolicyStatement[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  if (!isObject(doc)) return [];
  const raw = doc['Statement'];
  const list = Array.isArray(raw) ? (raw as unknown[]) : raw === undefined ? [] : [raw];
  const out: PolicyStatement[] = [];
  list.forEach((s, i) => {
    if (!isObject(s) || (s['Effect'] !== 'Allow' && s['Effect'] !== 'Deny')) return;
    out.push({
      index: i + 1,
      sid: typeof s['Sid'] === 'string' ? s['Sid'] : undefined,
      effect: s['Effect'],
      principal: readPrincipal(s['Principal']),
      notPrincipal: readPrincipal(s['NotPrincipal']),
      action: stringList(s['Action']),
      notAction: stringList(s['NotAction']),
      resource: stringList(s['Resource']),
      notResource: stringList(s['NotResource']),
      conditions: readConditions(s['Condition']),
    });
  });
  return out;
}
