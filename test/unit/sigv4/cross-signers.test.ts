// STYLE habit 7: our verifier accepts what independent SigV4 signers produce, and our signer agrees with aws4.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import aws4 from 'aws4';
import type { OutgoingHttpHeaders } from 'node:http';
import {
  MAX_CLOCK_SKEW_MS,
  authenticateHeaders,
  formatAmzDate,
  signRequest,
  verifyPayloadSignature,
  type AuthResult,
  type SigV4Policy,
} from '../../../src/sigv4/index.js';

const ACCESS_KEY_ID = 'AKIAI2SFODNN7EXAMPLE';
const SECRET = 'FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE';
const HOST = 'xks.example.com';
const REGION = 'eu-west-1';
const SERVICE = 'kms-xks-proxy';
const NOW = Date.parse('2024-05-15T12:00:00Z');
const PATH = '/keystores/ks-1/kms/xks/v1/keys/key-01/encrypt';
// Non-ASCII on purpose: the signature covers UTF-8 bytes, not JavaScript characters.
const BODY = JSON.stringify({
  requestMetadata: { kmsRequestId: '4112f4d6-db54-4af4-ae30-c55a22a8dfae', kmsOperation: 'Encrypt', awsPrincipalArn: 'arn:aws:iam::123456789012:user/Älice' },
  plaintext: 'SGVsbG8gV29ybGQ=',
  encryptionAlgorithm: 'AES_GCM',
});

const policy: SigV4Policy = {
  service: SERVICE,
  acceptsRegion: (region) => region === REGION,
  maxSkewMs: MAX_CLOCK_SKEW_MS,
  now: NOW,
  secretFor: (akid) => (akid === ACCESS_KEY_ID ? SECRET : undefined),
};

function verify(rawHeaders: string[], body: Uint8Array, path = PATH): AuthResult {
  return verifyPayloadSignature(authenticateHeaders({ method: 'POST', path, query: '', rawHeaders }, policy), body);
}

function toRawHeaders(headers: OutgoingHttpHeaders | Record<string, string>): string[] {
  return Object.entries(headers).flatMap(([name, value]) => [name, String(value)]);
}

function signWithAws4(headers: Record<string, string>): OutgoingHttpHeaders {
  const request = { host: HOST, path: PATH, method: 'POST', service: SERVICE, region: REGION, body: BODY, headers: { ...headers } };
  aws4.sign(request, { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET });
  return request.headers;
}

test('aws4: signed request (Host, Content-Type, Content-Length, X-Amz-Date signed) -> accepted', () => {
  const headers = signWithAws4({ 'Content-Type': 'application/json', 'X-Amz-Date': formatAmzDate(NOW) });
  assert.match(String(headers['Authorization']), /SignedHeaders=content-length;content-type;host;x-amz-date,/);
  assert.deepEqual(verify(toRawHeaders(headers), Buffer.from(BODY)), {
    accessKeyId: ACCESS_KEY_ID,
    region: REGION,
    amzDate: '20240515T120000Z',
  });
});

test('aws4: signed request then body changed by one byte -> signature-mismatch', () => {
  const headers = signWithAws4({ 'Content-Type': 'application/json', 'X-Amz-Date': formatAmzDate(NOW) });
  const body = Buffer.from(BODY);
  body.writeUInt8(body.readUInt8(body.length - 2) ^ 0x01, body.length - 2);
  assert.throws(() => verify(toRawHeaders(headers), body), { name: 'SigV4Error', reason: 'signature-mismatch' });
});

test('@smithy/signature-v4: signed request with x-amz-content-sha256 -> accepted', async () => {
  const signer = new SignatureV4({
    service: SERVICE,
    region: REGION,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET },
    sha256: Sha256,
  });
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'https:',
    hostname: HOST,
    path: PATH,
    headers: { host: HOST, 'content-type': 'application/json' },
    body: BODY,
  });
  const signed = await signer.sign(request, { signingDate: new Date(NOW) });
  assert.ok('x-amz-content-sha256' in signed.headers, 'smithy should add x-amz-content-sha256');
  assert.match(String(signed.headers['authorization']), /SignedHeaders=[^,]*x-amz-content-sha256/);
  assert.equal(verify(toRawHeaders(signed.headers), Buffer.from(BODY)).accessKeyId, ACCESS_KEY_ID);
});

test('@smithy/signature-v4: signed with another secret -> signature-mismatch', async () => {
  const signer = new SignatureV4({
    service: SERVICE,
    region: REGION,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: `${SECRET.slice(0, -1)}A` },
    sha256: Sha256,
  });
  const request = new HttpRequest({ method: 'POST', hostname: HOST, path: PATH, headers: { host: HOST }, body: BODY });
  const signed = await signer.sign(request, { signingDate: new Date(NOW) });
  assert.throws(() => verify(toRawHeaders(signed.headers), Buffer.from(BODY)), { reason: 'signature-mismatch' });
});

test('aws4: unsorted query with repeated names and escapes -> accepted (canonical query sorted)', () => {
  const request = {
    host: HOST, path: `${PATH}?b=2&a=%7E1&a=0&c=x%20y`, method: 'POST', service: SERVICE, region: REGION, body: BODY,
    headers: { 'Content-Type': 'application/json', 'X-Amz-Date': formatAmzDate(NOW) } as OutgoingHttpHeaders,
  };
  aws4.sign(request, { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET });
  const pending = authenticateHeaders(
    { method: 'POST', path: PATH, query: 'b=2&a=%7E1&a=0&c=x%20y', rawHeaders: toRawHeaders(request.headers) },
    policy,
  );
  assert.equal(verifyPayloadSignature(pending, Buffer.from(BODY)).accessKeyId, ACCESS_KEY_ID);
});

test('@smithy/signature-v4: query with repeated names -> accepted (canonical query sorted)', async () => {
  const signer = new SignatureV4({
    service: SERVICE, region: REGION, credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET }, sha256: Sha256,
  });
  const request = new HttpRequest({
    method: 'POST', hostname: HOST, path: PATH, query: { b: '2', a: ['~1', '0'], 'c d': 'x*y' }, headers: { host: HOST }, body: BODY,
  });
  const signed = await signer.sign(request, { signingDate: new Date(NOW) });
  const pending = authenticateHeaders(
    { method: 'POST', path: PATH, query: 'b=2&a=~1&a=0&c%20d=x%2Ay', rawHeaders: toRawHeaders(signed.headers) },
    policy,
  );
  assert.equal(verifyPayloadSignature(pending, Buffer.from(BODY)).accessKeyId, ACCESS_KEY_ID);
});

test('signRequest: KMS-style request (host;x-amz-date) -> accepted by our verifier', () => {
  const headers = signRequest({
    method: 'POST',
    host: HOST,
    path: PATH,
    body: BODY,
    region: REGION,
    service: SERVICE,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET,
    now: NOW,
  });
  assert.match(headers['authorization'] ?? '', /SignedHeaders=host;x-amz-date,/);
  assert.equal(verify(toRawHeaders({ ...headers, 'content-type': 'application/json' }), Buffer.from(BODY)).region, REGION);
});

test('signRequest: same inputs as aws4 (content-length, content-type signed) -> identical Authorization', () => {
  const aws4Headers = signWithAws4({ 'Content-Type': 'application/json', 'X-Amz-Date': formatAmzDate(NOW) });
  const ours = signRequest({
    method: 'POST',
    host: HOST,
    path: PATH,
    headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(BODY)) },
    body: Buffer.from(BODY),
    region: REGION,
    service: SERVICE,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET,
    now: NOW,
    signHeaders: ['Content-Type', 'content-length'],
  });
  assert.equal(ours['authorization'], aws4Headers['Authorization']);
  assert.equal(ours['x-amz-date'], aws4Headers['X-Amz-Date']);
});

test('signRequest: headers already holding x-amz-date -> TypeError', () => {
  assert.throws(
    () =>
      signRequest({
        method: 'POST', host: HOST, path: PATH, headers: { 'X-Amz-Date': '20240515T120000Z' }, body: '',
        region: REGION, service: SERVICE, accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET, now: NOW,
      }),
    TypeError,
  );
});

test('signRequest: signHeaders naming a header not in headers -> TypeError', () => {
  assert.throws(
    () =>
      signRequest({
        method: 'POST', host: HOST, path: PATH, body: '', region: REGION, service: SERVICE,
        accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET, now: NOW, signHeaders: ['content-type'],
      }),
    TypeError,
  );
});
