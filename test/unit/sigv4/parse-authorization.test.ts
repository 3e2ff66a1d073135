import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_AUTHORIZATION_LENGTH, SigV4Error, parseAuthorization } from '../../../src/sigv4/index.js';

const SIG = 'b948c1affec8627deaac603df418f2eb139372f75b589a1387bc68a9e901b944';
const CRED = 'AKIAI2SFODNN7EXAMPLE/20240515/us-east-1/kms-xks-proxy/aws4_request';

const isMalformed = (err: unknown): boolean => err instanceof SigV4Error && err.reason === 'malformed';

test('parseAuthorization: components separated by "," -> same result as ", "', () => {
  assert.deepEqual(
    parseAuthorization(`AWS4-HMAC-SHA256 Credential=${CRED},SignedHeaders=host;x-amz-date,Signature=${SIG}`),
    parseAuthorization(`AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=host;x-amz-date, Signature=${SIG}`),
  );
});

test('parseAuthorization: extra signed headers (smithy style) -> all listed in order', () => {
  const parsed = parseAuthorization(
    `AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=${SIG}`,
  );
  assert.deepEqual(parsed.signedHeaders, ['content-type', 'host', 'x-amz-content-sha256', 'x-amz-date']);
});

test('parseAuthorization: wrong terminator -> parsed (the caller reports wrong-scope)', () => {
  const parsed = parseAuthorization(`AWS4-HMAC-SHA256 Credential=${CRED.replace('aws4_request', 'aws5_request')}, SignedHeaders=host;x-amz-date, Signature=${SIG}`);
  assert.equal(parsed.terminator, 'aws5_request');
});

test(`parseAuthorization: ${MAX_AUTHORIZATION_LENGTH + 1} chars -> malformed naming the length, not echoing it`, () => {
  const value = `AWS4-HMAC-SHA256 Credential=${'A'.repeat(MAX_AUTHORIZATION_LENGTH)}`;
  assert.throws(() => parseAuthorization(value), (err: unknown) => {
    assert.ok(isMalformed(err));
    assert.match((err as SigV4Error).detail, /4096/);
    assert.ok((err as SigV4Error).detail.length < 200);
    return true;
  });
});

test('parseAuthorization: Signature of 63 chars -> malformed without echoing the value', () => {
  assert.throws(() => parseAuthorization(`AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=host;x-amz-date, Signature=${SIG.slice(1)}`), (err: unknown) => {
    assert.ok(isMalformed(err));
    assert.ok(!(err as SigV4Error).message.includes(SIG.slice(1)));
    return true;
  });
});

test('parseAuthorization: credential element with a space -> malformed', () => {
  assert.throws(() => parseAuthorization(`AWS4-HMAC-SHA256 Credential=AKIA EXAMPLE/20240515/us-east-1/kms-xks-proxy/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG}`), isMalformed);
});

test('parseAuthorization: component without "=" -> malformed', () => {
  assert.throws(() => parseAuthorization(`AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders, Signature=${SIG}`), isMalformed);
});

for (const [value, detail] of [
  [`AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=host;x-amz-date`, 'Authorization lacks Signature'],
  [`AWS4-HMAC-SHA256 Signature=${SIG}`, 'Authorization lacks Credential, SignedHeaders'],
  [`AWS4-HMAC-SHA256 Credential=${CRED}, Credential=${CRED}, SignedHeaders=host;x-amz-date, Signature=${SIG}`, 'Authorization component Credential appears more than once'],
  [`AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=host;x-amz-date, Signature=${SIG}, Signature=${SIG}`, 'Authorization component Signature appears more than once'],
  [`AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders, Signature=${SIG}`, "Authorization component SignedHeaders has no '='"],
  [`AWS4-HMAC-SHA256 Credential=${CRED}, signature=${SIG}`, 'is not one of Credential, SignedHeaders, Signature'],
] as const) {
  test(`parseAuthorization: ${detail} -> malformed`, () => {
    assert.throws(() => parseAuthorization(value), (err: unknown) => isMalformed(err) && (err as SigV4Error).detail.includes(detail));
  });
}
