/** Request validation from the API model: every violation reported, nested paths, enums as ValidationException. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findViolations, formatValidationErrors, validateRequest } from '../../../../src/kms-emulator/wire/validate-request.js';
import { KmsException } from '../../../../src/kms-emulator/wire/kms-exceptions.js';

const refusal = (operation: string, body: Record<string, unknown>): KmsException => {
  try {
    validateRequest(operation, body);
  } catch (e) {
    if (e instanceof KmsException) return e;
    throw e;
  }
  throw new Error('no refusal');
};

test('validate: Encrypt {} -> both required members, AWS format "2 validation errors detected: ...; ..."', () => {
  const e = refusal('Encrypt', {});
  assert.equal(e.type, 'ValidationException');
  assert.equal(
    e.message,
    "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'plaintext' failed to satisfy constraint: Member must not be null",
  );
});

test('validate: an enum violation is a ValidationException listing the model enum (KeyUsage=FOO)', () => {
  assert.equal(
    refusal('CreateKey', { KeyUsage: 'FOO' }).message,
    "1 validation error detected: Value 'FOO' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [ENCAPSULATE_DECAPSULATE, ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, KEY_AGREEMENT, SIGN_VERIFY]",
  );
});

test('validate: nested members carry their path; list items of structures are N.member', () => {
  assert.deepEqual(findViolations('CreateCustomKeyStoreRequest', { CustomKeyStoreName: 'n', XksProxyAuthenticationCredential: { AccessKeyId: 'A' } }), [
    "Value null at 'xksProxyAuthenticationCredential.rawSecretAccessKey' failed to satisfy constraint: Member must not be null",
  ]);
  assert.deepEqual(findViolations('TagResourceRequest', { KeyId: 'k', Tags: [{ TagKey: 'a', TagValue: 'b' }, { TagKey: 'c' }] }), [
    "Value null at 'tags.2.member.tagValue' failed to satisfy constraint: Member must not be null",
  ]);
});

test('validate: a list of enums (CreateGrant Operations), several violations at once', () => {
  const e = refusal('CreateGrant', { Operations: ['Encrypt', 'Frobnicate'], GranteePrincipal: 'p' });
  assert.match(e.message, /^2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value '\[Encrypt, Frobnicate\]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: \[Member must satisfy enum value set: \[CreateGrant, /);
  assert.ok(e.message.length < 512);
});

test('validate: a valid request passes; a wrong JSON type is left to the reader (SerializationException there)', () => {
  validateRequest('Encrypt', { KeyId: 'k', Plaintext: 'aGk=' });
  validateRequest('Encrypt', { KeyId: 7, Plaintext: 'aGk=' });
  validateRequest('ListKeys', {});
});

test('validate: messages stay under 512 characters', () => {
  const long = formatValidationErrors(Array.from({ length: 20 }, (_, i) => `Value null at 'm${i}' failed to satisfy constraint: Member must not be null`));
  assert.ok(long.startsWith('20 validation errors detected: '));
  assert.ok(long.length <= 511 && long.endsWith('...'));
});
