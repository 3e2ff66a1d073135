/**
 * Fault injection rules (docs/faults.md): what can go wrong on purpose, where, and how often. Pure: the schema,
 * and `chooseFaults`, which decides from the rules, the request's route and a random source which faults apply.
 * Nothing here touches a request; src/proxy/http/fault-injector.ts applies the decision.
 */
import { z } from 'zod';
import { XKS_ERROR_STATUS, type XksErrorName } from '../../errors/xks-errors.js';
import type { XksOperation } from '../../xks/wire-types.js';

export const XKS_OPERATIONS = ['GetHealthStatus', 'GetKeyMetadata', 'Encrypt', 'Decrypt'] as const satisfies readonly XksOperation[];
const ERROR_NAMES = Object.keys(XKS_ERROR_STATUS) as [XksErrorName, ...XksErrorName[]];

/** Longest added latency: long enough to exceed any client timeout, short enough not to hold sockets for good. */
export const MAX_FAULT_LATENCY_MS = 60_000;

export const faultActionSchema = z.discriminatedUnion('type', [
  /** Wait before handling: past 250 ms KMS times out (spec A16). */
  z.object({ type: z.literal('latency'), ms: z.number().int().min(1).max(MAX_FAULT_LATENCY_MS) }).strict(),
  /** Answer a chosen spec error (A10) with its status instead of handling the request. */
  z.object({ type: z.literal('error'), errorName: z.enum(ERROR_NAMES) }).strict(),
  /** A 200 whose body is not JSON. */
  z.object({ type: z.literal('malformed-body') }).strict(),
  /** A 200 whose body stops halfway: the connection closes before Content-Length bytes arrived. */
  z.object({ type: z.literal('truncated-body') }).strict(),
  /** Encrypt: a ciphertextDataIntegrityValue that does not match (spec A9). */
  z.object({ type: z.literal('wrong-cdiv') }).strict(),
  /** Encrypt: one bit of the returned ciphertext flipped after the CDIV was computed; Decrypt: of the plaintext. */
  z.object({ type: z.literal('flip-ciphertext-bit') }).strict(),
  /** Close the connection without an answer. */
  z.object({ type: z.literal('drop-connection') }).strict(),
  /** GetHealthStatus: report this healthStatus for every key manager (spec A7). */
  z.object({ type: z.literal('health-status'), healthStatus: z.enum(['ACTIVE', 'DEGRADED', 'UNAVAILABLE']) }).strict(),
]);

export const faultRuleSchema = z
  .object({
    /** Key store name; absent: every store. */
    keyStore: z.string().min(1).max(64).optional(),
    /** External key id; absent: every key (and GetHealthStatus, which has none). */
    externalKeyId: z.string().min(1).max(128).optional(),
    /** Absent: every operation. */
    operations: z.array(z.enum(XKS_OPERATIONS)).min(1).optional(),
    /** Chance per matching request, 0..1 (default 1: always). */
    probability: z.number().min(0).max(1).default(1),
    fault: faultActionSchema,
  })
  .strict();

export const faultsSchema = z.array(faultRuleSchema).max(100);

export type FaultAction = z.infer<typeof faultActionSchema>;
export type FaultRule = z.infer<typeof faultRuleSchema>;

export interface FaultTarget {
  readonly keyStore: string;
  readonly operation: XksOperation;
  readonly externalKeyId?: string;
}

export interface FaultDecision {
  /** Sum of the latency faults that fired. */
  readonly delayMs: number;
  /** The first non-latency fault that fired, if any: it decides the answer. */
  readonly outcome?: Exclude<FaultAction, { type: 'latency' }>;
}

export function ruleMatches(rule: FaultRule, target: FaultTarget): boolean {
  if (rule.keyStore !== undefined && rule.keyStore !== target.keyStore) return false;
  if (rule.externalKeyId !== undefined && rule.externalKeyId !== target.externalKeyId) return false;
  if (rule.operations !== undefined && !rule.operations.includes(target.operation)) return false;
  return true;
}

/**
 * Pure: which faults fire for this request. Each matching rule draws once from `random` (uniform in [0, 1));
 * latencies add up, and the first other fault that fires decides the answer. Returns undefined when none fires.
 */
export function chooseFaults(rules: readonly FaultRule[], target: FaultTarget, random: () => number): FaultDecision | undefined {
  let delayMs = 0;
  let outcome: FaultDecision['outcome'];
  for (const rule of rules) {
    if (!ruleMatches(rule, target)) continue;
    if (!(random() < rule.probability)) continue;
    if (rule.fault.type === 'latency') delayMs += rule.fault.ms;
    else outcome ??= rule.fault;
  }
  if (delayMs === 0 && outcome === undefined) return undefined;
  return outcome === undefined ? { delayMs } : { delayMs, outcome };
}

/** `error:InternalException`, `latency:300`, `health:DEGRADED`, `drop-connection`: the CLI's shorthand. */
export function parseFaultShorthand(text: string): FaultAction | string {
  const [type = '', arg] = text.split(':', 2);
  const raw =
    type === 'latency' ? { type, ms: Number(arg) } : type === 'error' ? { type, errorName: arg } : type === 'health' ? { type: 'health-status', healthStatus: arg } : { type };
  const parsed = faultActionSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  return `unknown fault ${JSON.stringify(text)}: use latency:MS, error:<errorName>, malformed-body, truncated-body, wrong-cdiv, flip-ciphertext-bit, drop-connection or health:ACTIVE|DEGRADED|UNAVAILABLE`;
}

/** One line per rule, for the loud start/reload log and `xks faults list`. */
export function describeRule(rule: FaultRule): string {
  const f = rule.fault;
  const what = f.type === 'latency' ? `latency ${f.ms} ms` : f.type === 'error' ? `error ${f.errorName}` : f.type === 'health-status' ? `healthStatus ${f.healthStatus}` : f.type;
  const where = [rule.keyStore === undefined ? 'every store' : `store ${rule.keyStore}`, rule.externalKeyId === undefined ? 'every key' : `key ${rule.externalKeyId}`, rule.operations === undefined ? 'every operation' : rule.operations.join(',')];
  return `${what} on ${where.join(', ')} with probability ${rule.probability}`;
}
