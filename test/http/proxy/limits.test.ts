/**
 * The request body limit (src/xks/limits.ts MAX_BODY_BYTES, 256 KiB): refused with 501 UnsupportedOperationException
 * as soon as it is known to be exceeded, without waiting for (or buffering) the rest. Driven with node:http against
 * a real listener, because supertest always sends the whole body first.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { MAX_BODY_BYTES } from '../../../src/xks/limits.js';
import { b64, createTestApp, kmsMetadata, signedRequest, TEST_ACCESS_KEY_ID, TEST_HOST, TEST_NOW, TEST_REGION, TEST_SECRET } from '../../support/test-app.js';
import { assertOk, assertXksError, encryptBody, encryptPath, HEALTH } from '../../support/http-assertions.js';
import { signXksHeaders } from '../../support/sign-xks.js';

const TIMEOUT_MS = 5000;
const healthJson = JSON.stringify({ requestMetadata: { kmsRequestId: 'limits', kmsOperation: 'KmsHealthCheck' } });

let server: http.Server;
let port: number;

before(async () => {
  const t = createTestApp();
  server = t.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

/** SigV4 headers from aws4 for `signedBody` (valid up to the signature check, which needs the real body). */
function signedHeaders(path: string, signedBody: string, extra: Record<string, string> = {}): Record<string, string> {
  return signXksHeaders({ host: TEST_HOST, path, body: signedBody, region: TEST_REGION, accessKeyId: TEST_ACCESS_KEY_ID, secret: TEST_SECRET, time: TEST_NOW, headers: extra });
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function readResponse(res: http.IncomingMessage): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => (body += d));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    res.on('error', reject);
  });
}

/** Resolve with the response, or reject after TIMEOUT_MS so the test cannot hang. */
function responseOf(req: http.ClientRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no response within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    req.on('response', (res) => {
      clearTimeout(timer);
      readResponse(res).then(resolve, reject);
    });
    // Writes after the server answered and closed can fail; the response is what the test judges.
    req.on('error', () => undefined);
  });
}

function assertUnsupported(res: RawResponse): void {
  assert.equal(res.status, 501, res.body);
  assert.equal(res.headers['content-type'], 'application/json');
  const body = JSON.parse(res.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['errorMessage', 'errorName']);
  assert.equal(body.errorName, 'UnsupportedOperationException');
  assert.match(String(body.errorMessage), /^[\x20-\x7e]{1,511}$/);
}

/** A valid, fully sent health request over a fresh connection. */
async function validHealthRequest(): Promise<RawResponse> {
  const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: HEALTH, headers: signedHeaders(HEALTH, healthJson), agent: false });
  const pending = responseOf(req);
  req.end(healthJson);
  return pending;
}

test('health: valid request over node:http -> 200 (control)', async () => {
  const res = await validHealthRequest();
  assert.equal(res.status, 200, res.body);
});

test('encrypt: Content-Length above 256 KiB, body never sent -> 501 UnsupportedOperationException before the body', async () => {
  const path = encryptPath('key-1');
  const req = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path,
    headers: signedHeaders(path, '', { 'Content-Length': String(64 * 1024 * 1024) }),
    agent: false,
  });
  const pending = responseOf(req);
  req.flushHeaders(); // headers only: not one body byte is written
  const res = await pending;
  req.destroy();
  assertUnsupported(res);
  assert.equal((await validHealthRequest()).status, 200, 'the server keeps answering');
});

test('encrypt: Content-Length of 256 KiB + 1, body never sent -> 501 UnsupportedOperationException before the body', async () => {
  const path = encryptPath('key-1');
  const req = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path,
    headers: signedHeaders(path, '', { 'Content-Length': String(MAX_BODY_BYTES + 1) }),
    agent: false,
  });
  const pending = responseOf(req);
  req.flushHeaders();
  const res = await pending;
  req.destroy();
  assertUnsupported(res);
});

test('encrypt: chunked body growing past 256 KiB -> 501 UnsupportedOperationException while it is still being sent', async () => {
  const path = encryptPath('key-1');
  const req = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path,
    headers: signedHeaders(path, '', { 'Transfer-Encoding': 'chunked' }),
    agent: false,
  });
  let answered = false;
  const pending = responseOf(req).finally(() => (answered = true));
  pending.catch(() => undefined); // judged below; never an unhandled rejection
  const chunk = Buffer.alloc(16 * 1024, 0x20);
  const maxChunks = 256; // 4 MiB: 16 times the limit; the answer must come long before
  let written = 0;
  for (let i = 0; i < maxChunks && !answered && !req.destroyed; i++) {
    req.write(chunk);
    written += chunk.length;
    await new Promise((r) => setTimeout(r, 2));
  }
  if (!answered) req.destroy();
  assert.ok(answered, `no response after ${written} bytes`);
  assert.ok(written > MAX_BODY_BYTES, `answered after only ${written} bytes`);
  const res = await pending;
  req.destroy();
  assertUnsupported(res);
  assert.equal((await validHealthRequest()).status, 200, 'the server keeps answering a following valid request');
});

test('health: body of exactly 256 KiB -> 200 (the limit itself is accepted)', async () => {
  const t = createTestApp();
  const padded = `${healthJson.slice(0, -1)},"padding":"${'p'.repeat(MAX_BODY_BYTES - healthJson.length - ',"padding":""'.length)}"}`;
  assert.equal(Buffer.byteLength(padded), MAX_BODY_BYTES);
  assertOk(await signedRequest(t.app, HEALTH, padded));
});

test('health: body of 256 KiB + 1 sent whole -> 501 UnsupportedOperationException', async () => {
  const t = createTestApp();
  const padded = `${healthJson.slice(0, -1)},"padding":"${'p'.repeat(MAX_BODY_BYTES + 1 - healthJson.length - ',"padding":""'.length)}"}`;
  assert.equal(Buffer.byteLength(padded), MAX_BODY_BYTES + 1);
  assertXksError(await signedRequest(t.app, HEALTH, padded), 501, 'UnsupportedOperationException');
});

test('encrypt: 4300-byte plaintext + 8192-byte AAD with 2048-char ARNs (largest realistic KMS request) -> 200, well under the limit', async () => {
  const t = createTestApp();
  const arn = (prefix: string) => `${prefix}${'a'.repeat(2048 - prefix.length)}`;
  const body = encryptBody(Buffer.alloc(4300, 0x71), {
    requestMetadata: kmsMetadata('GenerateDataKey', {
      awsPrincipalArn: arn('arn:aws:iam::111122223333:role/'),
      kmsKeyArn: arn('arn:aws:kms:us-east-1:111122223333:key/'),
      kmsViaService: 'ebs',
      awsSourceVpc: 'vpc-0123456789abcdef0',
      awsSourceVpce: 'vpce-0123456789abcdef0',
    }),
    additionalAuthenticatedData: b64(Buffer.alloc(8192, 0x72)),
    ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
  });
  const size = Buffer.byteLength(JSON.stringify(body));
  assert.ok(size < MAX_BODY_BYTES / 8, `${size} bytes`);
  assertOk(await signedRequest(t.app, encryptPath('key-1'), body));
});
