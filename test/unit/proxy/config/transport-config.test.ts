import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../../../src/proxy/config/load-config.js';
import { DEFAULT_LIMITS, DEFAULT_REQUESTS_PER_SECOND } from '../../../../src/proxy/config/transport-schema.js';

const SECRET = 'FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE';
const store = (over: Record<string, unknown> = {}) => ({
  name: 's1',
  uriPrefix: '',
  regions: ['us-east-1'],
  credentials: [{ accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretAccessKey: SECRET }],
  keyDirectory: 'keys',
  ...over,
});
const parse = (raw: unknown, readFile?: (p: string) => string) => parseConfig(raw, { baseDir: '/etc/xks', source: 't.json', ...(readFile && { readFile }) });

test('config transport: defaults -> documented limits, 1800 req/s quota with one second of burst, no TLS', () => {
  const c = parse({ keyStores: [store()] });
  assert.deepEqual(c.limits, DEFAULT_LIMITS);
  assert.equal(c.limits.lingeringCloseMs, 5000);
  assert.equal(c.limits.lingeringCloseMaxBytes, 8 * 1024 * 1024);
  assert.equal(c.throttling.maxConcurrentRequests, 1024);
  assert.deepEqual(c.keyStores[0]?.quota, { requestsPerSecond: DEFAULT_REQUESTS_PER_SECOND, burst: 1800 });
  assert.equal(c.listen.tls, undefined);
  assert.equal(c.keyStores[0]?.blocked, undefined);
});

test('config transport: tls paths resolved against the config directory; clientAuth kept', () => {
  const c = parse({
    listen: { tls: { certFile: 'tls/s.pem', keyFile: '/abs/k.pem', clientAuth: { caFile: 'ca.pem', allowedSubjects: ['cks.kms.*.amazonaws.com'] } } },
    keyStores: [store({ blocked: { by: 'ops', at: '2026-11-28T00:00:00Z' }, keys: { k: { keyStatus: 'DISABLED', by: 'bob' } } })],
  });
  assert.deepEqual(c.listen.tls, {
    certFile: '/etc/xks/tls/s.pem',
    keyFile: '/abs/k.pem',
    clientAuth: { caFile: '/etc/xks/ca.pem', allowedSubjects: ['cks.kms.*.amazonaws.com'] },
  });
  assert.equal(c.keyStores[0]?.blocked?.by, 'ops');
  assert.equal(c.keyStores[0]?.keys.k?.by, 'bob');
});

test('config transport: every problem at once (limits, subjects, quota, blocked date, policy file)', () => {
  try {
    parse(
      {
        listen: { tls: { certFile: 'c', keyFile: 'k', clientAuth: { caFile: 'ca', allowedSubjects: ['cks.kms.**.amazonaws.com'] } } },
        limits: { headersTimeoutMs: 5000, requestTimeoutMs: 1000, maxConnections: 0 },
        throttling: { maxConcurrentRequests: 0 },
        keyStores: [store({ quota: { requestsPerSecond: 0 }, blocked: { by: 'x', at: 'yesterday' }, authorizationPolicy: 'p.json' })],
      },
      () => '{"default":"deny","rules":[],"extra":1}',
    );
    assert.fail('expected ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    const text = error.problems.join('\n');
    for (const p of ['allowedSubjects.0', 'limits.requestTimeoutMs', 'limits.maxConnections', 'throttling.maxConcurrentRequests', 'quota.requestsPerSecond', 'blocked.at']) {
      assert.ok(text.includes(p), `${p} in:\n${text}`);
    }
  }
  try {
    parse({ keyStores: [store({ authorizationPolicy: 'p.json' })] }, () => '{"default":"deny","rules":[],"extra":1}');
    assert.fail('expected ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.match(error.problems.join('\n'), /keyStores\.0\.authorizationPolicy: \/etc\/xks\/p\.json: \(root\): Unrecognized key/);
  }
});

test('config transport: lingering close bounds -> 0 allowed (close at once); negative, fractional or too large refused', () => {
  const c = parse({ limits: { lingeringCloseMs: 0, lingeringCloseMaxBytes: 0 }, keyStores: [store()] });
  assert.deepEqual([c.limits.lingeringCloseMs, c.limits.lingeringCloseMaxBytes], [0, 0]);
  try {
    parse({ limits: { lingeringCloseMs: 60_001, lingeringCloseMaxBytes: -1 }, keyStores: [store()] });
    assert.fail('expected ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    const text = error.problems.join('\n');
    for (const p of ['limits.lingeringCloseMs', 'limits.lingeringCloseMaxBytes']) assert.ok(text.includes(p), `${p} in:\n${text}`);
  }
  assert.throws(() => parse({ limits: { lingeringCloseMs: 1.5 }, keyStores: [store()] }), ConfigError);
});
