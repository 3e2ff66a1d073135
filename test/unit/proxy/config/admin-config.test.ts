import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../../../src/proxy/config/load-config.js';

const store = {
  name: 's1',
  uriPrefix: '',
  regions: ['us-east-1'],
  credentials: [{ accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretAccessKey: 'FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE' }],
  keyDirectory: 'keys',
};
const parse = (admin: unknown) => parseConfig({ admin, keyStores: [store] }, { baseDir: '/etc/xks', source: 'test.json' });

test('config: admin.allowedHosts (DNS rebinding) -> kept as given; absent -> absent', () => {
  assert.deepEqual(parse({ host: '127.0.0.1', port: 7701, allowedHosts: ['admin.internal', '10.0.0.5'] }).admin?.allowedHosts, ['admin.internal', '10.0.0.5']);
  assert.equal(parse({ host: '127.0.0.1', port: 7701 }).admin?.allowedHosts, undefined);
});

test('config: admin.allowedHosts with a port, a scheme or a wildcard -> one problem each, with its path', () => {
  try {
    parse({ host: '127.0.0.1', port: 7701, allowedHosts: ['admin.internal:7701', 'http://x', '*.example'] });
    assert.fail('expected a ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.deepEqual(error.problems.map((p) => p.split(':')[0]), ['admin.allowedHosts.0', 'admin.allowedHosts.1', 'admin.allowedHosts.2']);
  }
});
