/**
 * The markdown table of docs/kms-emulator.md (between its `exception-status` markers): every exception the
 * emulator knows, the status it answers, the SDK model's `httpError`, and where the status comes from.
 * Regenerate: `npm run docs:kms-exceptions`.
 */
import { API_REFERENCE_OVERRIDES, COMMON_ERRORS, KMS_EXCEPTION_STATUS } from './kms-exceptions.js';
import { SDK_EXCEPTION_STATUS } from './kms-model.js';

function sourceOf(name: string): string {
  if (Object.hasOwn(API_REFERENCE_OVERRIDES, name)) return 'KMS API reference (the SDK model says otherwise)';
  if (Object.hasOwn(SDK_EXCEPTION_STATUS, name)) return 'SDK model';
  if (COMMON_ERRORS.includes(name)) return 'awsJson1_1 common error';
  return '?';
}

export function renderExceptionStatusTable(): string {
  const rows = Object.entries(KMS_EXCEPTION_STATUS)
    .sort(([x], [y]) => (x < y ? -1 : 1))
    .map(([name, status]) => `| ${name} | ${status} | ${SDK_EXCEPTION_STATUS[name] ?? ''} | ${sourceOf(name)} |`);
  return ['| Exception | HTTP | SDK model | Source |', '|---|---|---|---|', ...rows].join('\n');
}
