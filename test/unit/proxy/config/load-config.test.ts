import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfigFile, parseConfig } from '../../../../src/proxy/config/load-config.js';
import { testTempDir } from '../../../support/temp-dir.js';

const SECRET = 'FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE';
const store = (over: Record<string, unknown> = {}) => ({
  name: 's1',
  uriPrefix: '',
  regions: ['us-east-1'],
  credentials: [{ accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretAccessKey: SECRET }],
  keyDirectory: 'keys',
  ...over,
});
const parse = (raw: unknown) => parseConfig(raw, { baseDir: '/etc/xks', source: 'test.json' });

function problemsOf(raw: unknown): readonly string[] {
  try {
    parse(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

test('config: minimal store -> defaults filled, paths resolved, uriPath built, result frozen', () => {
  const c = parse({ keyStores: [store({ uriPrefix: '/tenant-a' })] });
  assert.deepEqual(c.listen, { host: '127.0.0.1', port: 7700 });
  assert.equal(c.crypto.engine, 'node');
  assert.equal(c.keyStores[0]?.uriPath, '/tenant-a/kms/xks/v1');
  assert.equal(c.keyStores[0]?.keyDirectory, '/etc/xks/keys');
  assert.equal(c.health.ekmFleetDetails.length, 1);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.keyStores) && Object.isFrozen(c.keyStores[0]) && Object.isFrozen(c.keyStores[0]?.credentials[0]));
  assert.throws(() => {
    (c.listen as { port: number }).port = 1;
  }, TypeError);
});

test('config: every problem is reported at once', () => {
  const problems = problemsOf({
    listen: { port: 70000 },
    crypto: { engine: 'openssl' },
    surprise: true,
    keyStores: [
      store({ uriPrefix: 'no-leading-slash', credentials: [{ accessKeyId: 'akia-lowercase', secretAccessKey: 'short' }] }),
      store({ name: 's1', regions: ['US-EAST-1'] }),
    ],
  });
  const joined = problems.join('\n');
  for (const expected of ['listen.port', 'crypto.engine', 'surprise', 'keyStores.0.uriPrefix', 'keyStores.0.credentials.0.accessKeyId', 'keyStores.0.credentials.0.secretAccessKey', 'keyStores.1.regions.0']) {
    assert.ok(joined.includes(expected), `missing ${expected} in:\n${joined}`);
  }
  assert.ok(problems.length >= 7);
});

test('config: hostile rows -> each names its field', () => {
  const rows: [string, unknown, string][] = [
    ['no key stores', { keyStores: [] }, 'keyStores'],
    ['prefix with trailing slash', { keyStores: [store({ uriPrefix: '/a/' })] }, 'keyStores.0.uriPrefix'],
    ['prefix with a dot', { keyStores: [store({ uriPrefix: '/a.b' })] }, 'keyStores.0.uriPrefix'],
    ['prefix making the path 129 chars', { keyStores: [store({ uriPrefix: `/${'a'.repeat(117)}` })] }, 'keyStores.0.uriPrefix'],
    ['access key id of 19 chars', { keyStores: [store({ credentials: [{ accessKeyId: 'A'.repeat(19), secretAccessKey: SECRET }] })] }, 'accessKeyId'],
    ['access key id of 31 chars', { keyStores: [store({ credentials: [{ accessKeyId: 'A'.repeat(31), secretAccessKey: SECRET }] })] }, 'accessKeyId'],
    ['access key id with 8', { keyStores: [store({ credentials: [{ accessKeyId: 'AKIAI8SFODNN7EXAMPLE', secretAccessKey: SECRET }] })] }, 'accessKeyId'],
    ['secret of 42 chars', { keyStores: [store({ credentials: [{ accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretAccessKey: 'a'.repeat(42) }] })] }, 'secretAccessKey'],
    ['secret of 65 chars', { keyStores: [store({ credentials: [{ accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretAccessKey: 'a'.repeat(65) }] })] }, 'secretAccessKey'],
    ['secret and secretFile', { keyStores: [store({ credentials: [{ accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretAccessKey: SECRET, secretFile: 'x' }] })] }, 'exactly one'],
    ['no credentials', { keyStores: [store({ credentials: [] })] }, 'credentials'],
    ['no regions', { keyStores: [store({ regions: [] })] }, 'regions'],
    ['duplicate prefix', { keyStores: [store(), store({ name: 's2' })] }, 'duplicate uriPrefix'],
    ['duplicate access key id across stores', { keyStores: [store(), store({ name: 's2', uriPrefix: '/b' })] }, 'duplicate access key id'],
    ['bad key override id', { keyStores: [store({ keys: { 'bad/id': { keyStatus: 'DISABLED' } } })] }, 'keys'],
    ['bad key override status', { keyStores: [store({ keys: { k1: { keyStatus: 'PAUSED' } } })] }, 'keyStatus'],
    ['fleet of 11', { health: { ekmFleetDetails: Array.from({ length: 11 }, (_, i) => ({ id: `h${i}`, model: 'm' })) }, keyStores: [store()] }, 'ekmFleetDetails'],
    ['fleet size 0', { health: { xksProxyFleetSize: 0 }, keyStores: [store()] }, 'xksProxyFleetSize'],
    ['not an object', 'hello', '(root)'],
  ];
  for (const [name, raw, field] of rows) {
    const joined = problemsOf(raw).join('\n');
    assert.ok(joined.includes(field), `${name}: expected ${field} in ${joined}`);
  }
});

test('config: several credentials per store, usage override and empty usage are expressible', () => {
  const c = parse({
    keyStores: [
      store({
        credentials: [
          { accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretAccessKey: SECRET },
          { accessKeyId: 'BBBBBBBBBBBBBBBBBBBBBBBB', secretAccessKey: `${SECRET}x` },
        ],
        keys: { k1: { keyStatus: 'DISABLED', keyUsage: [] } },
      }),
    ],
  });
  assert.equal(c.keyStores[0]?.credentials.length, 2);
  assert.deepEqual(c.keyStores[0]?.keys.k1, { keyStatus: 'DISABLED', keyUsage: [] });
});

test('config: secretFile is read relative to the config file; unreadable or invalid -> problem', () => {
  const dir = testTempDir('xks-config-');
  writeFileSync(join(dir, 'secret'), `${SECRET}\n`);
  writeFileSync(join(dir, 'bad-secret'), 'short\n');
  const withFile = (file: string) => ({ keyStores: [store({ credentials: [{ accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretFile: file }] })] });
  writeFileSync(join(dir, 'ok.json'), JSON.stringify(withFile('secret')));
  assert.equal(loadConfigFile(join(dir, 'ok.json')).keyStores[0]?.credentials[0]?.secretAccessKey, SECRET);
  writeFileSync(join(dir, 'bad.json'), JSON.stringify(withFile('bad-secret')));
  assert.throws(() => loadConfigFile(join(dir, 'bad.json')), /43-64 chars/);
  writeFileSync(join(dir, 'missing.json'), JSON.stringify(withFile('nope')));
  assert.throws(() => loadConfigFile(join(dir, 'missing.json')), /cannot read .*ENOENT/);
  writeFileSync(join(dir, 'broken.json'), '{"keyStores": [');
  assert.throws(() => loadConfigFile(join(dir, 'broken.json')), /not valid JSON/);
});

test('config: error messages never echo a secret', () => {
  const problems = problemsOf({ keyStores: [store({ credentials: [{ accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretAccessKey: 'TOPSECRET-but-invalid!' }] })] });
  assert.ok(!problems.join('\n').includes('TOPSECRET'));
});
