import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_CLOCK_SKEW_MS,
  authenticateHeaders,
  createSigningKeyCache,
  deriveSigningKey,
  signRequest,
  verifyPayloadSignature,
  type SigV4Policy,
} from '../../../src/sigv4/index.js';

const A = 'FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE';
const B = 'Zm9vYmFyYmF6cXV4cXV1eHF1dXpxdXV6cXV1enF1dXo=';

test('createSigningKeyCache: 0 or 1.5 entries -> RangeError', () => {
  assert.throws(() => createSigningKeyCache(0), RangeError);
  assert.throws(() => createSigningKeyCache(1.5), RangeError);
});

test('signing key cache: hit -> same key as deriveSigningKey, not the stored buffer', () => {
  const cache = createSigningKeyCache(4);
  const first = cache.getOrDerive('AKID', A, '20240515', 'us-east-1', 'kms-xks-proxy');
  first.fill(0); // a caller scribbling on its copy must not poison the cache
  const second = cache.getOrDerive('AKID', A, '20240515', 'us-east-1', 'kms-xks-proxy');
  assert.equal(Buffer.from(second).toString('hex'), Buffer.from(deriveSigningKey(A, '20240515', 'us-east-1', 'kms-xks-proxy')).toString('hex'));
  assert.equal(cache.size, 1);
});

test('signing key cache: same access key id with a rotated secret -> key of the new secret', () => {
  const cache = createSigningKeyCache(4);
  cache.getOrDerive('AKID', A, '20240515', 'us-east-1', 'kms-xks-proxy');
  const rotated = cache.getOrDerive('AKID', B, '20240515', 'us-east-1', 'kms-xks-proxy');
  assert.equal(Buffer.from(rotated).toString('hex'), Buffer.from(deriveSigningKey(B, '20240515', 'us-east-1', 'kms-xks-proxy')).toString('hex'));
});

test('signing key cache: more entries than maxEntries -> bounded, least recently used evicted', () => {
  const cache = createSigningKeyCache(2);
  for (const day of ['20240513', '20240514', '20240515', '20240516', '20240517']) {
    cache.getOrDerive('AKID', A, day, 'us-east-1', 'kms-xks-proxy');
  }
  assert.equal(cache.size, 2);
});

test('policy with a signing key cache: secret rotated between requests -> old signature rejected, new accepted', () => {
  let secret = A;
  const now = Date.parse('2024-05-15T12:00:00Z');
  const policy: SigV4Policy = {
    service: 'kms-xks-proxy',
    acceptsRegion: () => true,
    maxSkewMs: MAX_CLOCK_SKEW_MS,
    now,
    secretFor: () => secret,
    signingKeyCache: createSigningKeyCache(8),
  };
  const verifyWith = (signingSecret: string): string => {
    const h = signRequest({
      method: 'POST', host: 'h', path: '/kms/xks/v1/health', body: '{}', region: 'us-east-1',
      service: 'kms-xks-proxy', accessKeyId: 'AKID', secretAccessKey: signingSecret, now,
    });
    const rawHeaders = Object.entries(h).flat();
    try {
      verifyPayloadSignature(authenticateHeaders({ method: 'POST', path: '/kms/xks/v1/health', query: '', rawHeaders }, policy), Buffer.from('{}'));
      return 'ok';
    } catch (err) {
      return (err as { reason: string }).reason;
    }
  };
  assert.equal(verifyWith(A), 'ok');
  secret = B;
  assert.equal(verifyWith(A), 'signature-mismatch');
  assert.equal(verifyWith(B), 'ok');
});
