import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { externalKeyIdProblem } from '../../../../src/proxy/keystore/external-key-id.js';
import { openKeyDirectory } from '../../../../src/proxy/keystore/key-directory.js';
import { parseKeyFile, serializeKeyFile } from '../../../../src/proxy/keystore/key-file.js';
import { createMemoryKeyStore } from '../../../../src/proxy/keystore/key-store.js';
import { parseConfig } from '../../../../src/proxy/config/load-config.js';
import { testKey } from '../../../support/test-app.js';
import { testTempDir } from '../../../support/temp-dir.js';

const tmp = () => testTempDir('xks-keyid-');

const ids: readonly [string, boolean][] = [
  ['k', true],
  ['Key_1.a-Z9', true],
  ['a.', true],
  ['k'.repeat(128), true],
  ['', false],
  ['k'.repeat(129), false],
  ['.hidden', false],
  ['..', false],
  ['.', false],
  ['.xks-keys.lock.1x', false],
  ['a/b', false],
  ['a b', false],
  ['ké', false],
];

for (const [id, ok] of ids) {
  test(`key id rule: ${JSON.stringify(id.length > 20 ? `${id.slice(0, 20)}...(${id.length})` : id)} -> ${ok ? 'accepted' : 'refused'} by xks keys, the key file parser, the key store and the config`, () => {
    assert.equal(externalKeyIdProblem(id) === undefined, ok);
    const dir = tmp();
    const keys = openKeyDirectory(dir);
    if (ok) {
      assert.equal(keys.create({ externalKeyId: id }).externalKeyId, id);
    } else {
      assert.throws(() => keys.create({ externalKeyId: id }), /invalid externalKeyId/);
      assert.throws(() => parseKeyFile(serializeKeyFile(testKey(id))), /externalKeyId/);
      assert.throws(() => createMemoryKeyStore([testKey(id)]), /externalKeyId/);
      const raw = { keyStores: [{ name: 's', regions: ['us-east-1'], credentials: [{ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'a'.repeat(43) }], keyDirectory: dir, keys: { [id]: { keyStatus: 'DISABLED' } } }] };
      assert.throws(() => parseConfig(raw, { baseDir: dir, source: 'test' }), /keys/);
    }
  });
}

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

test('stale-file sweep: only its exact patterns of dead writers, and never a file that parses as a key', () => {
  const dir = tmp();
  const keys = openKeyDirectory(dir);
  keys.create({ externalKeyId: 'k1' });
  const dead = deadPid();
  const keyText = serializeKeyFile(testKey('k1'));
  const files: Record<string, { text: string; swept: boolean }> = {
    [`.k1.json.${dead}.1764400000000.tmp`]: { text: '{"format":"xks-k', swept: true }, // torn write of a dead writer
    [`.xks-keys.lock.${dead}`]: { text: `${dead}\n`, swept: true }, // private lock of a dead writer
    [`.k2.json.${dead}.1764400000000.tmp`]: { text: keyText, swept: false }, // complete key, never renamed: kept
    [`.xks-keys.lock.${dead}x`]: { text: keyText, swept: false }, // not the pattern (a key once created under that name)
    '.xks-keys.lock.1x': { text: keyText, swept: false },
    [`.k3.json.${process.ppid}.1.tmp`]: { text: 'torn', swept: false }, // its writer is alive
    '.notes.tmp': { text: 'mine', swept: false },
    'backup.tmp': { text: keyText, swept: false },
  };
  for (const [name, f] of Object.entries(files)) writeFileSync(join(dir, name), f.text, { mode: 0o600 });
  keys.rotate('k1');
  for (const [name, f] of Object.entries(files)) {
    assert.equal(existsSync(join(dir, name)), !f.swept, `${name} ${f.swept ? 'swept' : 'kept'}`);
    if (!f.swept) assert.equal(readFileSync(join(dir, name), 'utf8'), f.text);
  }
});
