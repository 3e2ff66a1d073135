/**
 * Words for a decision record, shared by `xks explain` (text) and the KMS console (HTML): what each check of the
 * order of checks verifies, and what a refusal there usually means. One source, so the two never disagree.
 */
import { escapeControl, escapeControlLines } from '../../logging/escape-control.js';
import type { CheckName, DecisionFacts, DecisionRecord } from './decision-log.js';

export interface CheckHelp {
  /** What the check verifies. */
  readonly title: string;
  /** What a refusal at this check usually means, and the fix. */
  readonly refusal: string;
}

export const CHECK_HELP: Readonly<Record<CheckName, CheckHelp>> = Object.freeze({
  route: {
    title: 'URI path names an XKS API of a configured key store (spec A2)',
    refusal: 'InvalidUriPathException: XksProxyUriPath of the key store does not match a uriPrefix of the proxy configuration (404).',
  },
  method: { title: 'HTTP method is POST (spec C6)', refusal: 'Only POST is accepted on XKS API paths (405).' },
  concurrency: {
    title: 'a concurrent-request slot is free (throttling.maxConcurrentRequests)',
    refusal: 'ThrottlingException: the proxy is at its limit of concurrent requests; KMS retries (429).',
  },
  'sigv4-headers': {
    title: 'SigV4 headers: Authorization syntax, credential scope, access key id, clock (spec A12)',
    refusal:
      'AuthenticationFailedException (401): see sigv4Failure. unknown-access-key-id: the store\'s AccessKeyId is not configured for this uriPrefix; ' +
      'clock-skew: the request time is more than 5 minutes from the proxy clock; wrong-scope: region or service of the scope is not accepted.',
  },
  'body-size': {
    title: 'request body within the size limit',
    refusal: 'The body is larger than the proxy accepts, or ended early.',
  },
  signature: {
    title: 'SigV4 signature over the canonical request (spec A12)',
    refusal:
      'AuthenticationFailedException (401): the signature computed with the configured secret differs from the one received. ' +
      'Usually the store\'s RawSecretAccessKey differs from the proxy\'s secretAccessKey; compare the canonical request below with the one the caller signed.',
  },
  'kill-switch': {
    title: 'key store not blocked by the operator (kill switch)',
    refusal: 'InvalidStateException: the key store is blocked at the proxy (`xks` configuration `blocked`).',
  },
  quota: {
    title: 'request rate within the key store quota (spec A2 / C8)',
    refusal: 'ThrottlingException: the key store quota is exhausted; KMS retries (429).',
  },
  body: {
    title: 'request body: Content-Type, JSON and every field (spec A4-A6)',
    refusal: 'ValidationException: the body is not a valid request for this operation; the reason names the field.',
  },
  authorization: {
    title: 'secondary authorization policy (spec A14)',
    refusal: 'AccessDeniedException (403): the rule named below denied the request; change the policy or the caller.',
  },
  key: { title: 'external key exists in this key store', refusal: 'KeyNotFoundException (404): no key file with this externalKeyId.' },
  'key-state': { title: 'external key is ENABLED', refusal: 'InvalidStateException: the external key is disabled.' },
  'key-usage': {
    title: 'external key allows the operation (keyUsage)',
    refusal: 'InvalidKeyUsageException: the key file\'s keyUsage lacks the usage this operation needs.',
  },
  crypto: {
    title: 'AES-256-GCM with the key (and the tag check on Decrypt)',
    refusal: 'InvalidCiphertextException: the ciphertext, IV, tag, AAD or metadata do not authenticate under this key.',
  },
});

/** A fact value as one line of text. */
export function formatFact(value: string | number | readonly string[]): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value;
  return value.length === 0 ? '(none)' : value.join(', ');
}

/** Facts whose value has several lines (printed as a block). */
export const BLOCK_FACTS: ReadonlySet<string> = new Set(['canonicalRequest', 'stringToSign']);

export function summarizeDecision(r: DecisionRecord): string {
  const what = [r.operation ?? 'request', r.keyStore === undefined ? '' : `on key store ${r.keyStore}`, r.externalKeyId === undefined ? '' : `key ${r.externalKeyId}`]
    .filter((s) => s !== '')
    .join(' ');
  if (r.outcome === 'aborted') return `${what}: the client went away before the answer`;
  if (r.decidedBy === undefined) return `${what}: answered ${r.status}${r.errorName === undefined ? '' : ` ${r.errorName}`}`;
  return `${what}: refused ${r.status} ${r.errorName ?? ''} by the ${r.decidedBy} check`.trimEnd();
}

/**
 * The record with every string that came from a client (kmsRequestId, key store path, key id, facts) escaped for a
 * terminal: no control character of a request reaches the screen (issue 21). Block facts keep their line breaks.
 */
function escapeRecord(r: DecisionRecord): DecisionRecord {
  const opt = (s: string | undefined): string | undefined => (s === undefined ? undefined : escapeControl(s));
  const facts: Record<string, DecisionFacts[string]> = {};
  for (const [name, value] of Object.entries(r.facts)) {
    if (typeof value === 'number') facts[escapeControl(name)] = value;
    else if (typeof value === 'string') facts[escapeControl(name)] = BLOCK_FACTS.has(name) ? escapeControlLines(value) : escapeControl(value);
    else facts[escapeControl(name)] = value.map(escapeControl);
  }
  return {
    ...r,
    at: escapeControl(r.at),
    kmsRequestId: opt(r.kmsRequestId),
    kmsOperation: opt(r.kmsOperation),
    keyStore: opt(r.keyStore),
    operation: opt(r.operation),
    externalKeyId: opt(r.externalKeyId),
    accessKeyId: opt(r.accessKeyId),
    errorName: opt(r.errorName),
    facts,
  };
}

/** The text `xks explain` prints for one record; strings from the request are escaped (escapeRecord). */
export function formatDecision(record: DecisionRecord): string {
  const r = escapeRecord(record);
  const lines = [
    summarizeDecision(r),
    `  at ${r.at}  kmsRequestId ${r.kmsRequestId ?? '(not known: refused before the body was read)'}  kmsOperation ${r.kmsOperation ?? '-'}`,
    '  order of checks:',
  ];
  for (const c of r.checks) {
    lines.push(`    ${c.result === 'refused' ? 'REFUSED' : 'passed '}  ${c.check.padEnd(13)}  ${CHECK_HELP[c.check].title}`);
  }
  if (r.decidedBy !== undefined) {
    lines.push(`  why: ${CHECK_HELP[r.decidedBy].refusal}`);
  }
  const facts = Object.entries(r.facts);
  if (facts.length > 0) lines.push('  facts:');
  for (const [name, value] of facts) {
    if (BLOCK_FACTS.has(name) && typeof value === 'string') {
      lines.push(`    ${name}:`, ...value.split('\n').map((l) => `      | ${l}`));
    } else {
      lines.push(`    ${name}: ${formatFact(value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
