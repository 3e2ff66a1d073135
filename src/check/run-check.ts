/**
 * Run every `xks check` case in order against one proxy. Cases run one at a time (latency figures stay
 * meaningful, and a proxy under test is not flooded); a case whose inputs are missing is skipped, not failed.
 */
import { CaseFailure, CaseSkipped, fail, type CaseResult, type CheckCase } from './check-case.js';
import { createCheckContext, type CheckInputs } from './check-context.js';
import { CRYPTO_CASES } from './cases/crypto-cases.js';
import { ERROR_CASES } from './cases/error-cases.js';
import { HEALTH_CASES } from './cases/health-cases.js';
import { LATENCY_CASES } from './cases/latency-cases.js';
import { TLS_CASES } from './cases/tls-cases.js';

export const ALL_CASES: readonly CheckCase[] = [...TLS_CASES, ...HEALTH_CASES, ...CRYPTO_CASES, ...ERROR_CASES, ...LATENCY_CASES];

/** Cases a real KMS enforces though the spec words them as SHOULD: `xks check --for-kms` makes them MUSTs. */
export const FOR_KMS_MUST_CASES: readonly string[] = ['tls.public-ca'];

/**
 * `xks check --for-kms`: the same cases, with FOR_KMS_MUST_CASES failing instead of warning, and `tls.https` run
 * (not skipped) on an http:// endpoint, where it fails: KMS calls only https (spec A1, C1).
 */
export function casesForKms(cases: readonly CheckCase[]): CheckCase[] {
  return cases.map((c): CheckCase => {
    if (c.id === 'tls.https') {
      const { needs: _skippedOnHttp, ...rest } = c;
      return { ...rest, run: async (ctx) => (ctx.inputs.endpoint.startsWith('https://') ? c.run(ctx) : fail('an http:// endpoint: KMS calls only https')) };
    }
    return FOR_KMS_MUST_CASES.includes(c.id) ? { ...c, level: 'MUST' } : c;
  });
}

export interface CheckReport {
  readonly endpoint: string;
  readonly uriPath: string;
  readonly startedAt: string;
  readonly durationMs: number;
  /** true when every MUST case passed (skipped cases do not count against it). */
  readonly passed: boolean;
  readonly counts: Readonly<Record<CaseResult['status'], number>>;
  readonly results: readonly CaseResult[];
}

export interface RunCheckOptions {
  readonly cases?: readonly CheckCase[];
  /** Called before and after each case (the progress display). */
  readonly onProgress?: (event: { readonly index: number; readonly total: number; readonly testCase: CheckCase; readonly result?: CaseResult }) => void;
}

const NEED_LABELS: Readonly<Record<string, string>> = {
  https: 'the endpoint is http:// (KMS only calls https; TLS cases need an https endpoint)',
  clientCert: 'no --client-cert/--client-key given (or the endpoint is http)',
  encryptOnlyKey: 'no --encrypt-only-key given',
  decryptOnlyKey: 'no --decrypt-only-key given',
  noUsageKey: 'no --key-without-usage given',
  disabledKey: 'no --disabled-key given',
  secondCredential: 'no second credential given',
};

export async function runCheck(inputs: CheckInputs, options: RunCheckOptions = {}): Promise<CheckReport> {
  const cases = options.cases ?? ALL_CASES;
  const ctx = createCheckContext(inputs);
  const started = Date.now();
  const results: CaseResult[] = [];
  for (const [index, testCase] of cases.entries()) {
    options.onProgress?.({ index, total: cases.length, testCase });
    const t0 = Date.now();
    const base = { id: testCase.id, title: testCase.title, clauses: testCase.clauses, level: testCase.level };
    let result: CaseResult;
    const missing = (testCase.needs ?? []).filter((n) => !ctx.has(n));
    if (missing.length > 0) {
      result = { ...base, status: 'skip', detail: missing.map((n) => NEED_LABELS[n] ?? n).join('; '), durationMs: 0 };
    } else {
      try {
        const detail = await testCase.run(ctx);
        result = { ...base, status: 'pass', detail, durationMs: Date.now() - t0 };
      } catch (error) {
        const status = error instanceof CaseSkipped ? 'skip' : testCase.level === 'MUST' ? 'fail' : 'warn';
        const detail = error instanceof CaseFailure || error instanceof CaseSkipped ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
        result = { ...base, status, detail, durationMs: Date.now() - t0 };
      }
    }
    results.push(result);
    options.onProgress?.({ index, total: cases.length, testCase, result });
  }
  const counts = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const r of results) counts[r.status]++;
  return {
    endpoint: inputs.endpoint,
    uriPath: inputs.uriPath,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    passed: counts.fail === 0,
    counts,
    results,
  };
}
