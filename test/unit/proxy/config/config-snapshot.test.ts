/**
 * A configuration snapshot (issue 21, finding 2): the text of the configuration file and of every file it names,
 * from which a fleet worker loads the same configuration without reading the disk.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfigSnapshot, loadConfigWithSnapshot, parseConfigSnapshot } from '../../../../src/proxy/config/config-snapshot.js';
import { ConfigError } from '../../../../src/proxy/config/load-config.js';

const SECRET = 'FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE';

test('snapshot: holds the config file and its secret file; loads the same configuration after both are gone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xks-snapshot-'));
  try {
    const configPath = join(dir, 'config.json');
    writeFileSync(join(dir, 'secret'), `${SECRET}\n`);
    writeFileSync(configPath, JSON.stringify({ keyStores: [{ name: 's1', uriPrefix: '', regions: ['us-east-1'], credentials: [{ accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretFile: 'secret' }], keyDirectory: 'keys' }] }));
    const { config, snapshot } = loadConfigWithSnapshot(configPath);
    assert.deepEqual(Object.keys(snapshot.files).sort(), [configPath, join(dir, 'secret')].sort());
    writeFileSync(configPath, '{ broken');
    rmSync(join(dir, 'secret'));
    const again = loadConfigSnapshot(parseConfigSnapshot(JSON.parse(JSON.stringify(snapshot))) ?? assert.fail('parse'));
    assert.deepEqual(again, config);
    assert.equal(again.keyStores[0]?.credentials[0]?.secretAccessKey, SECRET);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('snapshot: validated like the file (a snapshot without its secret file -> ConfigError naming it); malformed -> undefined', () => {
  const configPath = '/etc/xks/config.json';
  const text = JSON.stringify({ keyStores: [{ name: 's1', uriPrefix: '', regions: ['us-east-1'], credentials: [{ accessKeyId: 'AKIAI2SFODNN7EXAMPLE', secretFile: 'secret' }], keyDirectory: 'keys' }] });
  assert.throws(() => loadConfigSnapshot({ path: configPath, files: { [configPath]: text } }), (e: unknown) => e instanceof ConfigError && /secretFile: cannot read \/etc\/xks\/secret \(ENOENT\)/.test(e.problems.join()));
  assert.equal(parseConfigSnapshot({ path: 1, files: {} }), undefined);
  assert.equal(parseConfigSnapshot({ path: '/x', files: { '/x': 3 } }), undefined);
  assert.equal(parseConfigSnapshot(null), undefined);
});
