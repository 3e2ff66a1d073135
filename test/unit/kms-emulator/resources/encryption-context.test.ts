/** EncryptionContext as the emulator reads and canonicalizes it (the blob AAD binds it, docs/kms-emulator.md "CiphertextBlob"). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildBlobAad } from '../../../../src/kms-emulator/resources/ciphertext-blob.js';
import { KmsException } from '../../../../src/kms-emulator/wire/kms-exceptions.js';
import { optionalEncryptionContext } from '../../../../src/kms-emulator/wire/fields.js';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const read = (json: string) => optionalEncryptionContext(JSON.parse(`{"EncryptionContext":${json}}`) as Record<string, unknown>, 'EncryptionContext');

test('EncryptionContext: a "__proto__" entry is kept and bound like any other key (never silently dropped)', () => {
  const withProto = read('{"__proto__":"x"}');
  assert.deepEqual(Object.keys(withProto), ['__proto__']);
  assert.notDeepEqual(buildBlobAad(KEY_ID, withProto), buildBlobAad(KEY_ID, read('{}')), 'a context of {} must not decrypt what {"__proto__":"x"} encrypted');
  assert.notDeepEqual(buildBlobAad(KEY_ID, read('{"__proto__":"x","a":"b"}')), buildBlobAad(KEY_ID, read('{"a":"b"}')));
});

test('EncryptionContext: a key or value too long for the canonical form is a ValidationException, not an internal error', () => {
  const long = 'v'.repeat(70_000);
  for (const json of [`{"k":"${long}"}`, `{"${long}":"v"}`]) {
    assert.throws(() => buildBlobAad(KEY_ID, read(json)), (e: unknown) => e instanceof KmsException && e.type === 'ValidationException');
  }
});
