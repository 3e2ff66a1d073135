// spec A12 test vector, stage by stage, so a failure names the stage that broke.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import vector from '../../vectors/sigv4-spec-a12.json' with { type: 'json' };
import {
  MAX_CLOCK_SKEW_MS,
  authenticateHeaders,
  buildCanonicalRequest,
  buildCredentialScope,
  buildStringToSign,
  collectHeaders,
  computeSignature,
  deriveSigningKey,
  hashPayload,
  parseAmzDate,
  parseAuthorization,
  signRequest,
  verifyPayloadSignature,
  type SigV4Policy,
} from '../../../src/sigv4/index.js';

const { request: req, credential: cred, expected } = vector;
const body = Buffer.from(req.body, 'utf8');
const rawHeaders = ['Host', req.host, 'X-Amz-Date', req.amzDate, 'Authorization', expected.authorization];

const policy: SigV4Policy = {
  service: 'kms-xks-proxy',
  acceptsRegion: (region) => region === cred.region,
  maxSkewMs: MAX_CLOCK_SKEW_MS,
  now: Date.parse('2024-05-15T12:00:00Z'),
  secretFor: (akid) => (akid === cred.accessKeyId ? cred.secretAccessKey : undefined),
};

test('spec A12 vector: payload sha256 of the raw body -> matches', () => {
  assert.equal(hashPayload(body), expected.payloadSha256);
  assert.equal(hashPayload(req.body), expected.payloadSha256);
});

test('spec A12 vector: canonical request -> matches', () => {
  const canonical = buildCanonicalRequest({
    method: req.method,
    path: req.path,
    query: req.query,
    headers: collectHeaders(rawHeaders),
    signedHeaders: ['host', 'x-amz-date'],
    payloadHash: expected.payloadSha256,
  });
  assert.equal(canonical, expected.canonicalRequest);
});

test('spec A12 vector: canonical request sha256 -> matches', () => {
  assert.equal(hashPayload(expected.canonicalRequest), expected.canonicalRequestSha256);
});

test('spec A12 vector: credential scope and string to sign -> match', () => {
  const scope = buildCredentialScope(req.amzDate.slice(0, 8), cred.region, cred.service);
  assert.equal(scope, expected.credentialScope);
  assert.equal(buildStringToSign(req.amzDate, scope, expected.canonicalRequest), expected.stringToSign);
});

test('spec A12 vector: signing key -> matches', () => {
  const key = deriveSigningKey(cred.secretAccessKey, '20240515', cred.region, cred.service);
  assert.equal(Buffer.from(key).toString('hex'), expected.signingKey);
});

test('spec A12 vector: signature -> matches', () => {
  assert.equal(computeSignature(Buffer.from(expected.signingKey, 'hex'), expected.stringToSign), expected.signature);
});

test('spec A12 vector: parseAuthorization -> every component', () => {
  assert.deepEqual(parseAuthorization(expected.authorization), {
    accessKeyId: cred.accessKeyId,
    date: '20240515',
    region: cred.region,
    service: cred.service,
    terminator: 'aws4_request',
    signedHeaders: ['host', 'x-amz-date'],
    signature: expected.signature,
  });
  assert.equal(parseAmzDate(req.amzDate), policy.now);
});

test('spec A12 vector: signRequest with the same inputs -> the same Authorization header', () => {
  const headers = signRequest({
    method: req.method,
    host: req.host,
    path: req.path,
    body: req.body,
    region: cred.region,
    service: cred.service,
    accessKeyId: cred.accessKeyId,
    secretAccessKey: cred.secretAccessKey,
    now: policy.now,
  });
  assert.deepEqual(headers, { host: req.host, 'x-amz-date': req.amzDate, authorization: expected.authorization });
});

test('spec A12 vector: authenticateHeaders + verifyPayloadSignature at 2024-05-15T12:00:00Z -> accepted', () => {
  const pending = authenticateHeaders({ method: req.method, path: req.path, query: req.query, rawHeaders }, policy);
  assert.equal(pending.accessKeyId, cred.accessKeyId);
  assert.equal(pending.region, cred.region);
  assert.deepEqual(verifyPayloadSignature(pending, body), {
    accessKeyId: cred.accessKeyId,
    region: cred.region,
    amzDate: req.amzDate,
  });
});
