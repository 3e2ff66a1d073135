import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createTestApp, kmsMetadata, signedRequest } from '../../support/test-app.js';
import { assertOk, assertXksError, metadataPath } from '../../support/http-assertions.js';

const examples = JSON.parse(readFileSync(new URL('../../vectors/xks-spec-examples.json', import.meta.url), 'utf8')) as {
  specGetKeyMetadataResponse: { body: unknown };
};

/** spec A4: GetKeyMetadata's v1.0.3 requestMetadata has no kmsKeyArn. */
function metadataRequest(extra: Record<string, unknown> = {}) {
  const { kmsKeyArn: _unused, ...requestMetadata } = kmsMetadata('CreateKey', extra);
  return { requestMetadata };
}

test('metadata: ENABLED key -> 200 exactly the spec A4 example', async () => {
  const t = createTestApp();
  const res = await signedRequest(t.app, metadataPath('key-1'), metadataRequest());
  assertOk(res);
  assert.equal(res.text, JSON.stringify(examples.specGetKeyMetadataResponse.body));
  assert.equal(res.text, '{"keySpec":"AES_256","keyUsage":["ENCRYPT","DECRYPT"],"keyStatus":"ENABLED"}');
});

test('metadata: DISABLED key -> 200 with keyStatus DISABLED', async () => {
  const t = createTestApp();
  const body = assertOk(await signedRequest(t.app, metadataPath('key-disabled'), metadataRequest()));
  assert.deepEqual(body, { keySpec: 'AES_256', keyUsage: ['ENCRYPT', 'DECRYPT'], keyStatus: 'DISABLED' });
});

test('metadata: key with no usage -> 200 with keyUsage []', async () => {
  const t = createTestApp();
  const body = assertOk(await signedRequest(t.app, metadataPath('key-no-usage'), metadataRequest()));
  assert.deepEqual(body, { keySpec: 'AES_256', keyUsage: [], keyStatus: 'ENABLED' });
});

test('metadata: ENCRYPT-only key -> 200 with keyUsage ["ENCRYPT"]', async () => {
  const t = createTestApp();
  const body = assertOk(await signedRequest(t.app, metadataPath('key-encrypt-only'), metadataRequest()));
  assert.deepEqual(body, { keySpec: 'AES_256', keyUsage: ['ENCRYPT'], keyStatus: 'ENABLED' });
});

test('metadata: unknown key -> 404 KeyNotFoundException', async () => {
  const t = createTestApp();
  assertXksError(await signedRequest(t.app, metadataPath('no-such-key'), metadataRequest()), 404, 'KeyNotFoundException');
});

test('metadata: kmsKeyArn sent (older revisions) -> 200', async () => {
  const t = createTestApp();
  const body = assertOk(await signedRequest(t.app, metadataPath('key-1'), { requestMetadata: kmsMetadata('DescribeKey') }));
  assert.equal(body.keyStatus, 'ENABLED');
});

test('metadata: awsPrincipalArn of 2048 chars -> 200 (spec C5)', async () => {
  const t = createTestApp();
  const arn = `arn:aws:iam::111122223333:role/${'r'.repeat(2048 - 'arn:aws:iam::111122223333:role/'.length)}`;
  assert.equal(arn.length, 2048);
  const body = assertOk(await signedRequest(t.app, metadataPath('key-1'), metadataRequest({ awsPrincipalArn: arn })));
  assert.equal(body.keyStatus, 'ENABLED');
});

test('metadata: unknown kmsOperation and unknown fields -> 200 (spec C12, A3)', async () => {
  const t = createTestApp();
  const body = assertOk(
    await signedRequest(t.app, metadataPath('key-1'), {
      requestMetadata: { ...metadataRequest().requestMetadata, kmsOperation: 'FutureOp', SourceIdentity: 'x', awsSourceVpc: 'vpc-1' },
      somethingNew: 1,
    }),
  );
  assert.equal(body.keyStatus, 'ENABLED');
});

test('metadata: missing awsPrincipalArn -> 400 ValidationException', async () => {
  const t = createTestApp();
  const { awsPrincipalArn: _unused, ...requestMetadata } = metadataRequest().requestMetadata;
  assertXksError(await signedRequest(t.app, metadataPath('key-1'), { requestMetadata }), 400, 'ValidationException');
});

test('metadata: missing kmsRequestId -> 400 ValidationException', async () => {
  const t = createTestApp();
  const { kmsRequestId: _unused, ...requestMetadata } = metadataRequest().requestMetadata;
  assertXksError(await signedRequest(t.app, metadataPath('key-1'), { requestMetadata }), 400, 'ValidationException');
});

test('metadata: non-JSON body -> 400 ValidationException', async () => {
  const t = createTestApp();
  assertXksError(await signedRequest(t.app, metadataPath('key-1'), '{"requestMetadata":'), 400, 'ValidationException');
});

test('metadata: Content-Type text/plain -> 400 ValidationException', async () => {
  const t = createTestApp();
  assertXksError(await signedRequest(t.app, metadataPath('key-1'), metadataRequest(), { contentType: 'text/plain' }), 400, 'ValidationException');
});

test('metadata: Content-Type application/json; charset=utf-8 -> 200', async () => {
  const t = createTestApp();
  assertOk(await signedRequest(t.app, metadataPath('key-1'), metadataRequest(), { contentType: 'application/json; charset=utf-8' }));
});
