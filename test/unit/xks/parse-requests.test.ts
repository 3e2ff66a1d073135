/**
 * Hostile-input tables for the three request parsers (STYLE habit 8): each row expects exactly one errorName,
 * or success. A row changes one thing in an otherwise valid body, so the row's input is the cause.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { XksError, type XksErrorName } from '../../../src/errors/xks-errors.js';
import { parseDecryptRequest, parseEncryptRequest, parseGetKeyMetadataRequest } from '../../../src/xks/parse-requests.js';

type Parser = (body: unknown) => unknown;
type Expect = XksErrorName | 'ok';
type Row = readonly [condition: string, body: unknown, expect: Expect];

const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64');
const bytes = (n: number, fill = 0x41): Buffer => Buffer.alloc(n, fill);

const METADATA = Object.freeze({
  awsPrincipalArn: 'arn:aws:iam::111122223333:role/test',
  kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  kmsOperation: 'Encrypt',
  kmsRequestId: '4112f4d6-db54-4af4-ae30-c55a22a8dfae',
});

const validMetadataRequest = (): Record<string, unknown> => {
  const { kmsKeyArn: _unused, ...requestMetadata } = METADATA;
  return { requestMetadata: { ...requestMetadata, kmsOperation: 'CreateKey' } };
};
const validEncrypt = (): Record<string, unknown> => ({
  requestMetadata: { ...METADATA },
  plaintext: b64('Hello World!'),
  encryptionAlgorithm: 'AES_GCM',
  additionalAuthenticatedData: b64('project=nile'),
  ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
});
const validDecrypt = (): Record<string, unknown> => ({
  requestMetadata: { ...METADATA, kmsOperation: 'Decrypt' },
  ciphertext: b64(bytes(12)),
  ciphertextMetadata: b64(Uint8Array.from([1, 0, 0, 0, 1])),
  encryptionAlgorithm: 'AES_GCM',
  additionalAuthenticatedData: b64('project=nile'),
  initializationVector: b64(bytes(12)),
  authenticationTag: b64(bytes(16)),
});

/** A copy of `base` with `patch` applied; an `undefined` value deletes the field. */
function withFields(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}
function withMetadata(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  return { ...base, requestMetadata: withFields(base.requestMetadata as Record<string, unknown>, patch) };
}

function runRow(parse: Parser, [condition, body, expected]: Row): void {
  test(`${condition} -> ${expected === 'ok' ? 'parsed' : expected}`, () => {
    if (expected === 'ok') {
      parse(body);
      return;
    }
    assert.throws(
      () => parse(body),
      (error: unknown) => {
        assert.ok(error instanceof XksError, `expected an XksError, got ${String(error)}`);
        assert.equal(error.errorName, expected, error.message);
        assert.match(error.message, /^[\x20-\x7e]{1,511}$/);
        return true;
      },
    );
  });
}

/** Rows every parser shares: the body and its requestMetadata block. */
function commonRows(valid: () => Record<string, unknown>, required: readonly string[], optional: readonly string[]): Row[] {
  const rows: Row[] = [
    ['valid body', valid(), 'ok'],
    ['body is an array', [valid()], 'ValidationException'],
    ['body is a string', JSON.stringify(valid()), 'ValidationException'],
    ['body is null', null, 'ValidationException'],
    ['body is a number', 42, 'ValidationException'],
    ['body is undefined', undefined, 'ValidationException'],
    ['requestMetadata missing', withFields(valid(), { requestMetadata: undefined }), 'ValidationException'],
    ['requestMetadata is an array', withFields(valid(), { requestMetadata: [valid().requestMetadata] }), 'ValidationException'],
    ['requestMetadata is null', withFields(valid(), { requestMetadata: null }), 'ValidationException'],
    ['requestMetadata is a string', withFields(valid(), { requestMetadata: 'x' }), 'ValidationException'],
    ['unknown top-level field', withFields(valid(), { somethingNew: { nested: true } }), 'ok'],
    ['unknown requestMetadata field', withMetadata(valid(), { SourceIdentity: 'x', principalTags: { a: 'b' } }), 'ok'],
    ['unknown kmsOperation (spec C12)', withMetadata(valid(), { kmsOperation: 'SomeFutureOperation' }), 'ok'],
    ['kmsRequestId not UUID-shaped (spec C13)', withMetadata(valid(), { kmsRequestId: 'not a uuid / !@#' }), 'ok'],
    ['kmsRequestId empty (spec C13)', withMetadata(valid(), { kmsRequestId: '' }), 'ok'],
    ['ARN of 2048 chars (spec C5)', withMetadata(valid(), { awsPrincipalArn: 'a'.repeat(2048) }), 'ok'],
    ['requestMetadata string of 2049 chars', withMetadata(valid(), { awsPrincipalArn: 'a'.repeat(2049) }), 'UnsupportedOperationException'],
    ['kmsRequestId of 2049 chars', withMetadata(valid(), { kmsRequestId: 'a'.repeat(2049) }), 'UnsupportedOperationException'],
    ['optional awsSourceVpc present', withMetadata(valid(), { awsSourceVpc: 'vpc-0123', awsSourceVpce: 'vpce-0123' }), 'ok'],
    ['optional awsSourceVpc is a number', withMetadata(valid(), { awsSourceVpc: 1 }), 'ValidationException'],
    ['optional awsSourceVpce of 2049 chars', withMetadata(valid(), { awsSourceVpce: 'v'.repeat(2049) }), 'UnsupportedOperationException'],
  ];
  for (const field of required) {
    rows.push([`requestMetadata.${field} missing`, withMetadata(valid(), { [field]: undefined }), 'ValidationException']);
    rows.push([`requestMetadata.${field} is a number`, withMetadata(valid(), { [field]: 1 }), 'ValidationException']);
    rows.push([`requestMetadata.${field} is null`, withMetadata(valid(), { [field]: null }), 'ValidationException']);
    rows.push([`requestMetadata.${field} is an object`, withMetadata(valid(), { [field]: { value: 'x' } }), 'ValidationException']);
    rows.push([`requestMetadata.${field} is an array`, withMetadata(valid(), { [field]: ['x'] }), 'ValidationException']);
  }
  for (const field of optional) {
    rows.push([`optional requestMetadata.${field} absent`, withMetadata(valid(), { [field]: undefined }), 'ok']);
    rows.push([`optional requestMetadata.${field} is an object`, withMetadata(valid(), { [field]: {} }), 'ValidationException']);
  }
  // __proto__ as an own JSON key (JSON.parse makes it a plain property): never read through the prototype chain.
  const validJson = JSON.stringify(valid());
  rows.push(['__proto__ key at top level and in requestMetadata', JSON.parse(validJson.replace('{', '{"__proto__":{"x":1},').replace('"requestMetadata":{', '"requestMetadata":{"__proto__":{"y":2},')), 'ok']);
  rows.push(['requestMetadata only under __proto__', JSON.parse(`{"__proto__":${JSON.stringify({ requestMetadata: valid().requestMetadata })}}`), 'ValidationException']);
  const { kmsRequestId, ...withoutId } = valid().requestMetadata as Record<string, unknown>;
  rows.push([
    'kmsRequestId only under requestMetadata.__proto__',
    JSON.parse(JSON.stringify({ ...valid(), requestMetadata: withoutId }).replace('"requestMetadata":{', `"requestMetadata":{"__proto__":{"kmsRequestId":${JSON.stringify(kmsRequestId)}},`)),
    'ValidationException',
  ]);
  return rows;
}

/** Rows for a base64 field: wrong type and every non-canonical form Node's decoder would silently accept. */
function base64Rows(valid: () => Record<string, unknown>, field: string, sample: string): Row[] {
  assert.equal(sample.length % 4, 0);
  assert.ok(sample.endsWith('='), 'sample must end with padding for the rows below');
  return [
    [`${field} is a number`, withFields(valid(), { [field]: 12 }), 'ValidationException'],
    [`${field} is null`, withFields(valid(), { [field]: null }), 'ValidationException'],
    [`${field} is an array of bytes`, withFields(valid(), { [field]: [1, 2, 3] }), 'ValidationException'],
    [`${field} URL-safe alphabet`, withFields(valid(), { [field]: b64(Uint8Array.from([0xfb, 0xff, 0xbf, 0xfe])).replace(/\+/g, '-').replace(/\//g, '_') }), 'ValidationException'],
    [`${field} missing padding`, withFields(valid(), { [field]: sample.replace(/=+$/, '') }), 'ValidationException'],
    [`${field} extra padding`, withFields(valid(), { [field]: `${sample}==` }), 'ValidationException'],
    [`${field} with a space inside`, withFields(valid(), { [field]: `${sample.slice(0, 4)} ${sample.slice(4)}` }), 'ValidationException'],
    [`${field} with a trailing newline`, withFields(valid(), { [field]: `${sample}\n` }), 'ValidationException'],
    [`${field} with padding in the middle`, withFields(valid(), { [field]: `QQ==${sample}` }), 'ValidationException'],
    // 'QR==' decodes to 'A' like 'QQ==' but has non-zero pad bits (RFC 4648 s.3.5).
    [`${field} non-canonical pad bits`, withFields(valid(), { [field]: `${sample.slice(0, -4)}${nonCanonical(sample.slice(-4))}` }), 'ValidationException'],
    [`${field} with a non-ASCII char`, withFields(valid(), { [field]: `${sample.slice(0, -4)}\u00e9AA=` }), 'ValidationException'],
  ];
}

/** Set the lowest pad bit of the last data char of a padded quartet ('xyz=' or 'xy=='): same bytes for Node. */
function nonCanonical(quartet: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const at = quartet.endsWith('==') ? 1 : 2;
  const last = quartet[at] ?? 'A';
  const swapped = alphabet[alphabet.indexOf(last) ^ 1] ?? 'A';
  const out = `${quartet.slice(0, at)}${swapped}${quartet.slice(at + 1)}`;
  assert.equal(Buffer.from(out, 'base64').toString('base64'), quartet, 'Node decodes the non-canonical form to the same bytes');
  return out;
}

describe('parseGetKeyMetadataRequest', () => {
  const rows: Row[] = [
    ...commonRows(validMetadataRequest, ['awsPrincipalArn', 'kmsOperation', 'kmsRequestId'], ['kmsKeyArn', 'awsSourceVpc', 'awsSourceVpce']),
    ['kmsKeyArn present (older revisions)', withMetadata(validMetadataRequest(), { kmsKeyArn: METADATA.kmsKeyArn }), 'ok'],
    ['kmsKeyArn is a number', withMetadata(validMetadataRequest(), { kmsKeyArn: 7 }), 'ValidationException'],
  ];
  for (const row of rows) runRow(parseGetKeyMetadataRequest, row);

  test('returns exactly the known metadata fields', () => {
    const parsed = parseGetKeyMetadataRequest(withMetadata(validMetadataRequest(), { SourceIdentity: 'x', awsSourceVpc: 'vpc-1' }));
    assert.deepEqual(parsed, {
      requestMetadata: { awsPrincipalArn: METADATA.awsPrincipalArn, awsSourceVpc: 'vpc-1', kmsOperation: 'CreateKey', kmsRequestId: METADATA.kmsRequestId },
    });
  });
});

describe('parseEncryptRequest', () => {
  const rows: Row[] = [
    ...commonRows(validEncrypt, ['awsPrincipalArn', 'kmsKeyArn', 'kmsOperation', 'kmsRequestId'], ['kmsViaService', 'awsSourceVpc']),
    ['plaintext missing', withFields(validEncrypt(), { plaintext: undefined }), 'ValidationException'],
    ['plaintext empty', withFields(validEncrypt(), { plaintext: '' }), 'ValidationException'],
    ...base64Rows(validEncrypt, 'plaintext', b64('Hello World!!')),
    ['plaintext of 1 byte', withFields(validEncrypt(), { plaintext: b64(bytes(1)) }), 'ok'],
    ['plaintext of 4300 bytes (spec C20)', withFields(validEncrypt(), { plaintext: b64(bytes(4300)) }), 'ok'],
    ['plaintext of 65536 bytes (our limit)', withFields(validEncrypt(), { plaintext: b64(bytes(65536)) }), 'ok'],
    ['plaintext of 65537 bytes', withFields(validEncrypt(), { plaintext: b64(bytes(65537)) }), 'UnsupportedOperationException'],
    ['plaintext of 1 MiB', withFields(validEncrypt(), { plaintext: b64(bytes(1 << 20)) }), 'UnsupportedOperationException'],
    ['encryptionAlgorithm missing', withFields(validEncrypt(), { encryptionAlgorithm: undefined }), 'ValidationException'],
    ['encryptionAlgorithm AES_CBC', withFields(validEncrypt(), { encryptionAlgorithm: 'AES_CBC' }), 'ValidationException'],
    ['encryptionAlgorithm aes_gcm', withFields(validEncrypt(), { encryptionAlgorithm: 'aes_gcm' }), 'ValidationException'],
    ['encryptionAlgorithm SYMMETRIC_DEFAULT', withFields(validEncrypt(), { encryptionAlgorithm: 'SYMMETRIC_DEFAULT' }), 'ValidationException'],
    ['encryptionAlgorithm null', withFields(validEncrypt(), { encryptionAlgorithm: null }), 'ValidationException'],
    ['encryptionAlgorithm ["AES_GCM"]', withFields(validEncrypt(), { encryptionAlgorithm: ['AES_GCM'] }), 'ValidationException'],
    ['CDIV algorithm absent', withFields(validEncrypt(), { ciphertextDataIntegrityValueAlgorithm: undefined }), 'ok'],
    ['CDIV algorithm SHA_512', withFields(validEncrypt(), { ciphertextDataIntegrityValueAlgorithm: 'SHA_512' }), 'ValidationException'],
    ['CDIV algorithm sha_256', withFields(validEncrypt(), { ciphertextDataIntegrityValueAlgorithm: 'sha_256' }), 'ValidationException'],
    ['CDIV algorithm null', withFields(validEncrypt(), { ciphertextDataIntegrityValueAlgorithm: null }), 'ValidationException'],
    ['AAD absent', withFields(validEncrypt(), { additionalAuthenticatedData: undefined }), 'ok'],
    ['AAD empty', withFields(validEncrypt(), { additionalAuthenticatedData: '' }), 'ok'],
    ...base64Rows(validEncrypt, 'additionalAuthenticatedData', b64('project=nile!')),
    ['AAD of 8192 bytes (spec C24)', withFields(validEncrypt(), { additionalAuthenticatedData: b64(bytes(8192)) }), 'ok'],
    ['AAD of 65535 bytes (A8 uint16 ceiling)', withFields(validEncrypt(), { additionalAuthenticatedData: b64(bytes(65535)) }), 'ok'],
    ['AAD of 65536 bytes', withFields(validEncrypt(), { additionalAuthenticatedData: b64(bytes(65536)) }), 'UnsupportedOperationException'],
  ];
  for (const row of rows) runRow(parseEncryptRequest, row);

  test('decodes the byte fields and keeps the CDIV algorithm', () => {
    const parsed = parseEncryptRequest(validEncrypt());
    assert.deepEqual(Buffer.from(parsed.plaintext), Buffer.from('Hello World!'));
    assert.deepEqual(Buffer.from(parsed.additionalAuthenticatedData ?? []), Buffer.from('project=nile'));
    assert.equal(parsed.encryptionAlgorithm, 'AES_GCM');
    assert.equal(parsed.ciphertextDataIntegrityValueAlgorithm, 'SHA_256');
  });

  test('leaves Object.prototype untouched by __proto__ keys', () => {
    parseEncryptRequest(JSON.parse(JSON.stringify(validEncrypt()).replace('{', '{"__proto__":{"polluted":"yes"},')));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('parseDecryptRequest', () => {
  const rows: Row[] = [
    ...commonRows(validDecrypt, ['awsPrincipalArn', 'kmsKeyArn', 'kmsOperation', 'kmsRequestId'], ['kmsViaService', 'awsSourceVpce']),
    ['ciphertext missing', withFields(validDecrypt(), { ciphertext: undefined }), 'ValidationException'],
    ['ciphertext empty', withFields(validDecrypt(), { ciphertext: '' }), 'ValidationException'],
    ...base64Rows(validDecrypt, 'ciphertext', b64('Hello World!!')),
    ['ciphertext of 4300 bytes (spec C35)', withFields(validDecrypt(), { ciphertext: b64(bytes(4300)) }), 'ok'],
    ['ciphertext of 65537 bytes', withFields(validDecrypt(), { ciphertext: b64(bytes(65537)) }), 'UnsupportedOperationException'],
    ['encryptionAlgorithm missing', withFields(validDecrypt(), { encryptionAlgorithm: undefined }), 'ValidationException'],
    ['encryptionAlgorithm AES_CBC', withFields(validDecrypt(), { encryptionAlgorithm: 'AES_CBC' }), 'ValidationException'],
    ['encryptionAlgorithm aes_gcm', withFields(validDecrypt(), { encryptionAlgorithm: 'aes_gcm' }), 'ValidationException'],
    ['initializationVector missing', withFields(validDecrypt(), { initializationVector: undefined }), 'ValidationException'],
    ['initializationVector of 16 bytes', withFields(validDecrypt(), { initializationVector: b64(bytes(16)) }), 'ok'],
    ...[0, 1, 8, 11, 13, 15, 17, 32].map((n): Row => [`initializationVector of ${n} bytes`, withFields(validDecrypt(), { initializationVector: b64(bytes(n)) }), 'ValidationException']),
    ...base64Rows(validDecrypt, 'initializationVector', b64(bytes(16, 0x5a))),
    ['authenticationTag missing', withFields(validDecrypt(), { authenticationTag: undefined }), 'ValidationException'],
    ...[0, 12, 15, 17, 32].map((n): Row => [`authenticationTag of ${n} bytes`, withFields(validDecrypt(), { authenticationTag: b64(bytes(n)) }), 'ValidationException']),
    ['authenticationTag is a number', withFields(validDecrypt(), { authenticationTag: 16 }), 'ValidationException'],
    ['ciphertextMetadata absent', withFields(validDecrypt(), { ciphertextMetadata: undefined }), 'ok'],
    ['ciphertextMetadata of 20 bytes', withFields(validDecrypt(), { ciphertextMetadata: b64(bytes(20)) }), 'ok'],
    ['ciphertextMetadata of 21 bytes', withFields(validDecrypt(), { ciphertextMetadata: b64(bytes(21)) }), 'ValidationException'],
    ['ciphertextMetadata of 255 bytes', withFields(validDecrypt(), { ciphertextMetadata: b64(bytes(255)) }), 'ValidationException'],
    ['ciphertextMetadata is a number', withFields(validDecrypt(), { ciphertextMetadata: 5 }), 'ValidationException'],
    ['ciphertextMetadata URL-safe', withFields(validDecrypt(), { ciphertextMetadata: '-_-_' }), 'ValidationException'],
    ['AAD absent', withFields(validDecrypt(), { additionalAuthenticatedData: undefined }), 'ok'],
    ['AAD missing padding', withFields(validDecrypt(), { additionalAuthenticatedData: b64('project=nile!').replace(/=+$/, '') }), 'ValidationException'],
    ['AAD of 8192 bytes', withFields(validDecrypt(), { additionalAuthenticatedData: b64(bytes(8192)) }), 'ok'],
    ['AAD of 65536 bytes', withFields(validDecrypt(), { additionalAuthenticatedData: b64(bytes(65536)) }), 'UnsupportedOperationException'],
    ['CDIV algorithm present (not a Decrypt field: ignored)', withFields(validDecrypt(), { ciphertextDataIntegrityValueAlgorithm: 'SHA_512' }), 'ok'],
  ];
  for (const row of rows) runRow(parseDecryptRequest, row);

  test('decodes every byte field', () => {
    const parsed = parseDecryptRequest(validDecrypt());
    assert.equal(parsed.ciphertext.length, 12);
    assert.equal(parsed.initializationVector.length, 12);
    assert.equal(parsed.authenticationTag.length, 16);
    assert.deepEqual([...(parsed.ciphertextMetadata ?? [])], [1, 0, 0, 0, 1]);
    assert.deepEqual(Buffer.from(parsed.additionalAuthenticatedData ?? []), Buffer.from('project=nile'));
  });
});
