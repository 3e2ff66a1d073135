/**
 * The shape of one `xks check` case and the assertions cases share. A case names the spec clauses it checks and
 * whether they are MUST or SHOULD; it passes, fails (throws CaseFailure) or is skipped (throws CaseSkipped).
 */
import { XKS_ERROR_STATUS, type XksErrorName } from '../errors/xks-errors.js';
import { describeFailure, readProxyAnswer, type JsonRecord, type ProxyResult } from '../xks-client/proxy-outcome.js';
import type { XksTransportResult } from '../xks-client/xks-transport.js';
import type { CheckContext } from './check-context.js';

export type CheckLevel = 'MUST' | 'SHOULD';
export type CaseStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** What a case needs besides the endpoint, credential and key; without it the case is reported as skipped. */
export type CheckNeed = 'https' | 'clientCert' | 'encryptOnlyKey' | 'decryptOnlyKey' | 'noUsageKey' | 'disabledKey' | 'secondCredential';

export interface CheckCase {
  /** Stable id, e.g. `encrypt.round-trip`: what --json, --junit and the docs use. */
  readonly id: string;
  readonly title: string;
  /** Clause ids of docs/spec-coverage.md, e.g. ['A5', 'C27']. */
  readonly clauses: readonly string[];
  readonly level: CheckLevel;
  readonly needs?: readonly CheckNeed[];
  /** Resolves with a short detail on success. */
  run(ctx: CheckContext): Promise<string>;
}

export interface CaseResult {
  readonly id: string;
  readonly title: string;
  readonly clauses: readonly string[];
  readonly level: CheckLevel;
  /** fail = a MUST case failed; warn = a SHOULD case failed. */
  readonly status: CaseStatus;
  readonly detail: string;
  readonly durationMs: number;
}

export class CaseFailure extends Error {}
export class CaseSkipped extends Error {}

export function fail(message: string): never {
  throw new CaseFailure(message);
}

/** The value of a successful answer, or a CaseFailure naming what came instead. */
export function expectOk<T>(result: ProxyResult<T>, what: string): T {
  if (!result.ok) fail(`${what}: ${describeFailure(result.failure)}`);
  return result.value;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * An error answer with one of `names` and its status (spec A10), whose body follows A10 / C47: JSON with an
 * errorName and an errorMessage, if any, under 512 printable ASCII chars.
 */
export function expectError(result: XksTransportResult, names: readonly XksErrorName[], what: string): string {
  if (result.kind === 'failure') fail(`${what}: expected ${names.join(' or ')}, got a ${result.phase} failure: ${result.detail}`);
  const want = names.map((n) => `${XKS_ERROR_STATUS[n]} ${n}`).join(' or ');
  let body: unknown;
  try {
    body = JSON.parse(result.body);
  } catch {
    fail(`${what}: expected ${want}, got HTTP ${result.status} with a non-JSON body`);
  }
  const record = (body !== null && typeof body === 'object' ? body : {}) as JsonRecord;
  const name = record['errorName'];
  const match = names.find((n) => n === name && XKS_ERROR_STATUS[n] === result.status);
  if (match === undefined) fail(`${what}: expected ${want}, got HTTP ${result.status} ${typeof name === 'string' ? name.slice(0, 64) : '(no errorName)'}`);
  const message = record['errorMessage'];
  if (message !== undefined && (typeof message !== 'string' || message.length >= 512 || !PRINTABLE_ASCII.test(message))) {
    fail(`${what}: ${match} has an errorMessage that is not < 512 chars of printable ASCII (spec A10, C47)`);
  }
  return `${result.status} ${match}`;
}

/** A 405 for a GET (spec A1 / C6); the body is not specified. */
export function expectStatus(result: XksTransportResult, status: number, what: string): void {
  if (result.kind === 'failure') fail(`${what}: expected HTTP ${status}, got a ${result.phase} failure: ${result.detail}`);
  if (result.status !== status) fail(`${what}: expected HTTP ${status}, got HTTP ${result.status}`);
}

/** A 200 whose body the parser accepts. */
export function expectAnswer<T>(result: XksTransportResult, parse: (body: JsonRecord) => T | string, what: string): T {
  return expectOk(readProxyAnswer(result, parse), what);
}
