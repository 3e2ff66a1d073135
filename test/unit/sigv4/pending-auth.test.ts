// The phase-1 result travels through the HTTP layer and may be logged: it must not reveal key material.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import vector from '../../vectors/sigv4-spec-a12.json' with { type: 'json' };
import {
  MAX_CLOCK_SKEW_MS,
  authenticateHeaders,
  verifyPayloadSignature,
  type PendingAuth,
} from '../../../src/sigv4/index.js';

const { request: req, credential: cred, expected } = vector;

function pending(): PendingAuth {
  return authenticateHeaders(
    {
      method: 'POST',
      path: req.path,
      query: '',
      rawHeaders: ['Host', req.host, 'X-Amz-Date', req.amzDate, 'Authorization', expected.authorization],
    },
    {
      service: cred.service,
      acceptsRegion: () => true,
      maxSkewMs: MAX_CLOCK_SKEW_MS,
      now: Date.parse('2024-05-15T12:00:00Z'),
      secretFor: () => cred.secretAccessKey,
    },
  );
}

test('PendingAuth: JSON.stringify and util.inspect -> no secret, signing key or signature', () => {
  const p = pending();
  for (const text of [JSON.stringify(p), inspect(p, { depth: 10, showHidden: true })]) {
    assert.ok(!text.includes(cred.secretAccessKey), text);
    assert.ok(!text.includes(expected.signature), text);
    assert.ok(!text.includes(expected.signingKey), text);
    assert.ok(!text.includes('203, 91, 185'), text); // the signing key's first bytes, printed as numbers
  }
  assert.deepEqual(JSON.parse(JSON.stringify(p)), {
    accessKeyId: cred.accessKeyId,
    region: cred.region,
    amzDate: req.amzDate,
    signedHeaders: ['host', 'x-amz-date'],
  });
});

test('verifyPayloadSignature: pending not made by authenticateHeaders -> TypeError', () => {
  const forged: PendingAuth = { accessKeyId: cred.accessKeyId, region: cred.region, amzDate: req.amzDate, signedHeaders: ['host', 'x-amz-date'] };
  assert.throws(() => verifyPayloadSignature(forged, Buffer.from(req.body)), TypeError);
});

test('verifyPayloadSignature: same pending verified twice -> same result (pure)', () => {
  const p = pending();
  assert.deepEqual(verifyPayloadSignature(p, Buffer.from(req.body)), verifyPayloadSignature(p, Buffer.from(req.body)));
});
