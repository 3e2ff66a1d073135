import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../../../src/proxy/config/load-config.js';
import { filesToWatch } from '../../../../src/proxy/server/config-reloader.js';
import { TEST_ACCESS_KEY_ID, TEST_SECRET } from '../../../support/test-app.js';

test('filesToWatch: a credential kept in a secretFile (the dev default) is watched, so replacing it reloads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xks-watch-'));
  try {
    writeFileSync(join(dir, 'secret-access-key'), `${TEST_SECRET}\n`, { mode: 0o600 });
    const config = parseConfig(
      {
        keyStores: [{ name: 'dev', uriPrefix: '', regions: ['us-east-1'], keyDirectory: 'keys', credentials: [{ accessKeyId: TEST_ACCESS_KEY_ID, secretFile: 'secret-access-key' }] }],
      },
      { baseDir: dir, source: join(dir, 'config.json') },
    );
    assert.deepEqual(filesToWatch(config), [join(dir, 'config.json'), join(dir, 'secret-access-key')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
