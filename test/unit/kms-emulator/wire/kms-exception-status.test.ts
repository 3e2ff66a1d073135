/**
 * The exception catalogue against the SDK's model: every exception of the model has the model's `httpError`,
 * except the documented API-reference overrides (each must still differ from the model); everything else is an
 * awsJson1_1 common error; docs/kms-emulator.md carries the generated table.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderExceptionStatusTable } from '../../../../src/kms-emulator/wire/exception-status-table.js';
import { API_REFERENCE_OVERRIDES, COMMON_ERRORS, KMS_EXCEPTION_STATUS, kmsError, toKmsWireBody } from '../../../../src/kms-emulator/wire/kms-exceptions.js';
import { SDK_EXCEPTION_STATUS } from '../../../../src/kms-emulator/wire/kms-model.js';

const ours: Readonly<Record<string, number>> = KMS_EXCEPTION_STATUS;

test('exception status: every exception of the SDK model, with the model status or the API reference override', () => {
  assert.ok(Object.keys(SDK_EXCEPTION_STATUS).length >= 45, 'the SDK model was read');
  for (const [name, modelStatus] of Object.entries(SDK_EXCEPTION_STATUS)) {
    assert.equal(ours[name], API_REFERENCE_OVERRIDES[name] ?? modelStatus, name);
  }
});

test('exception status: the API reference overrides (NotFound, Disabled, KMSInvalidState, AlreadyExists 400; DependencyTimeout 500) still differ from the model', () => {
  assert.deepEqual({ ...API_REFERENCE_OVERRIDES }, { AlreadyExistsException: 400, DisabledException: 400, KMSInvalidStateException: 400, NotFoundException: 400, DependencyTimeoutException: 500 });
  for (const [name, status] of Object.entries(API_REFERENCE_OVERRIDES)) assert.notEqual(SDK_EXCEPTION_STATUS[name], status, `${name}: the model now agrees; drop the override`);
  assert.equal(ours['DryRunOperationException'], 412);
  assert.equal(ours['KMSInternalException'], 500);
  assert.equal(ours['KeyUnavailableException'], 500);
});

test('exception status: what is not in the model is an awsJson1_1 common error', () => {
  const extra = Object.keys(ours).filter((n) => !Object.hasOwn(SDK_EXCEPTION_STATUS, n)).sort();
  assert.deepEqual(extra, [...COMMON_ERRORS].sort());
});

test('exception status: each exception carries its status and the wire body {__type, message}', () => {
  for (const [name, status] of Object.entries(ours)) {
    const e = kmsError[name as keyof typeof KMS_EXCEPTION_STATUS]('m');
    assert.equal(e.httpStatus, status, name);
    assert.deepEqual(toKmsWireBody(e), { __type: name, message: 'm' });
  }
});

test('docs/kms-emulator.md carries the generated exception table verbatim (regenerate: npm run docs:kms-exceptions)', () => {
  const text = readFileSync(new URL('../../../../docs/kms-emulator.md', import.meta.url), 'utf8');
  const m = /<!-- exception-status:start -->\n([\s\S]*?)\n<!-- exception-status:end -->/.exec(text);
  assert.ok(m, 'the exception-status markers are in docs/kms-emulator.md');
  assert.equal(m[1], renderExceptionStatusTable());
});
