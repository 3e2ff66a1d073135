import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeBase64 } from '../../../../src/crypto/base64.js';
import { createKeyWrapper } from '../../../../src/proxy/keystore/key-encryption.js';
import { openKeyDirectory, LOCK_FILE_NAME } from '../../../../src/proxy/keystore/key-directory.js';
import { createKeyFileCodec } from '../../../../src/proxy/keystore/key-file-codec.js';
import { loadKeyDirectory } from '../../../../src/proxy/keystore/load-key-directory.js';
import { testKey, testMaterial } from '../../../support/test-app.js';
import { cpuMs } from '../../../support/cpu-time.js';
import { testTempDir } from '../../../support/temp-dir.js';

const tmp = () => testTempDir('xks-keydir-');

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('key directory lock: a lock left by a dead writer (or an empty one) is taken over; a live one times out clearly', () => {
  const dir = tmp();
  const keys = openKeyDirectory(dir, { lockTimeoutMs: 50 });
  writeFileSync(join(dir, LOCK_FILE_NAME), `${deadPid()}\n`);
  writeFileSync(join(dir, `.k1.json.123.456.tmp`), 'torn');
  keys.create({ externalKeyId: 'k1' });
  assert.ok(!existsSync(join(dir, LOCK_FILE_NAME)));
  assert.ok(!existsSync(join(dir, '.k1.json.123.456.tmp')), 'stale temporary file removed under the lock');
  writeFileSync(join(dir, LOCK_FILE_NAME), '');
  keys.rotate('k1');
  writeFileSync(join(dir, LOCK_FILE_NAME), `${process.ppid}\n`);
  assert.throws(() => keys.rotate('k1'), new RegExp(`locked by process ${process.ppid}`));
  assert.equal(loadKeyDirectory(dir).store.getKey('k1')?.versions.length, 2);
});

test('wrapped key file: raw KEK round trip; header edits, a wrong KEK and a swapped file fail with a clear message', () => {
  const kek = { kind: 'kek' as const, kek: encodeBase64(testMaterial('kek')), source: 'test' };
  const codec = createKeyFileCodec(createKeyWrapper(kek));
  const key = testKey('wrapped', { versions: 2 });
  const text = codec.encode(key);
  assert.match(text, /"kind": "raw"/);
  for (const v of key.versions) assert.ok(!text.includes(encodeBase64(v.material)));
  const back = codec.decode(text);
  assert.equal(back.wrapped, true);
  assert.deepEqual(back.key.versions.map((v) => v.material), key.versions.map((v) => v.material));

  const json = JSON.parse(text) as Record<string, unknown>;
  assert.throws(() => codec.decode(JSON.stringify({ ...json, externalKeyId: 'other' })), /GCM tag mismatch/);
  const otherKek = createKeyFileCodec(createKeyWrapper({ ...kek, kek: encodeBase64(testMaterial('other')) }));
  assert.throws(() => otherKek.decode(text), /wrapped under KEK [0-9a-f]{16}, but the configured KEK is [0-9a-f]{16}/);
  const passphrase = createKeyFileCodec(createKeyWrapper({ kind: 'passphrase', passphrase: 'a passphrase here', source: 'test' }));
  assert.throws(() => passphrase.decode(text), /configured with a passphrase/);
  assert.throws(() => codec.decode(JSON.stringify({ ...json, format: 'xks-key-wrapped/2' })), /unknown format/);
  assert.throws(() => codec.decode(JSON.stringify({ ...json, iv: 'AAAA' })), /iv: must be standard base64 of 12 bytes/);
});

test('wrapped key file: scrypt parameters outside the bounds are refused before any derivation', () => {
  const wrapper = createKeyWrapper({ kind: 'passphrase', passphrase: 'a passphrase here', source: 'test' }, { scrypt: { N: 1024, r: 8, p: 1 } });
  const codec = createKeyFileCodec(wrapper);
  const json = JSON.parse(codec.encode(testKey('s'))) as { kek: Record<string, unknown> };
  assert.equal(codec.decode(JSON.stringify(json)).key.externalKeyId, 's');
  const huge = { ...json, kek: { ...json.kek, N: 2 ** 24 } };
  assert.throws(() => codec.decode(JSON.stringify(huge)), /N must be a power of two/);
});

test('key directory: files written by xks keys are 0600 and readable back in the plain format', () => {
  const dir = tmp();
  const keys = openKeyDirectory(dir);
  keys.import({ externalKeyId: 'imp', keyUsage: ['DECRYPT'], keyStatus: 'DISABLED' }, testMaterial('imp'));
  const text = readFileSync(join(dir, 'imp.json'), 'utf8');
  assert.match(text, /"format": "xks-key\/1"/);
  const key = keys.get('imp');
  assert.equal(key.keyStatus, 'DISABLED');
  assert.deepEqual(key.keyUsage, ['DECRYPT']);
  assert.deepEqual(key.versions[0]?.material, testMaterial('imp'));
  assert.throws(() => keys.import({ externalKeyId: 'short' }, new Uint8Array(16)), /must be 32 bytes/);
});

test('key directory lock: breaking a stale lock never removes a lock another writer took meanwhile', async () => {
  const fs = (await import('node:fs')).default;
  const { syncBuiltinESMExports } = await import('node:module');
  const dir = tmp();
  const keys = openKeyDirectory(dir, { lockTimeoutMs: 50 });
  keys.create({ externalKeyId: 'k1' });
  const lockPath = join(dir, LOCK_FILE_NAME);
  writeFileSync(lockPath, `${deadPid()}\n`);
  // Between our read of the stale lock and our removal of it, another (live) writer breaks it and takes the lock.
  const realRead = fs.readFileSync;
  let raced = false;
  fs.readFileSync = ((path: Parameters<typeof realRead>[0], options?: unknown) => {
    const out = realRead(path, options as BufferEncoding);
    if (!raced && path === lockPath) {
      raced = true;
      fs.unlinkSync(lockPath);
      fs.writeFileSync(lockPath, `${process.ppid}\n`);
    }
    return out;
  }) as typeof fs.readFileSync;
  syncBuiltinESMExports();
  try {
    assert.throws(() => keys.rotate('k1'), new RegExp(`locked by process ${process.ppid}`), 'the live writer keeps its lock');
  } finally {
    fs.readFileSync = realRead;
    syncBuiltinESMExports();
  }
  assert.ok(raced);
  assert.equal(readFileSync(lockPath, 'utf8'), `${process.ppid}\n`, "the other writer's lock is still in place");
  assert.equal(loadKeyDirectory(dir).store.getKey('k1')?.versions.length, 1, 'no change made without the lock');
});

test('wrapped key file: scrypt cost is bounded as a whole (memory and work), not only per parameter', () => {
  const wrapper = createKeyWrapper({ kind: 'passphrase', passphrase: 'a passphrase here', source: 'test' }, { scrypt: { N: 1024, r: 8, p: 1 } });
  const codec = createKeyFileCodec(wrapper);
  const json = JSON.parse(codec.encode(testKey('s'))) as { kek: Record<string, unknown> };
  // Each within its own bound, together 4 GiB of memory and 16 passes: minutes of a blocked event loop.
  const hostile = { ...json, kek: { ...json.kek, N: 2 ** 20, r: 32, p: 16 } };
  // CPU time, not wall time: a busy machine delays this test but cannot make it fail (test/support/cpu-time.ts).
  const { ms } = cpuMs(() => assert.throws(() => codec.decode(JSON.stringify(hostile)), /scrypt cost/));
  assert.ok(ms < 1000, `refused before any derivation (${ms.toFixed(1)} ms of CPU)`);
});

test('wrapped key file: a file that does not unwrap never chooses the salt or scrypt parameters of new files', () => {
  const configured = { N: 2048, r: 8, p: 1 };
  const codec = createKeyFileCodec(createKeyWrapper({ kind: 'passphrase', passphrase: 'a passphrase here', source: 'test' }, { scrypt: configured }));
  const salt = encodeBase64(new Uint8Array(16).fill(7));
  const planted = { format: 'xks-key-wrapped/1', externalKeyId: 'planted', kek: { kind: 'scrypt', N: 1024, r: 1, p: 1, salt }, iv: encodeBase64(new Uint8Array(12)), tag: encodeBase64(new Uint8Array(16)), ciphertext: encodeBase64(new Uint8Array(40)) };
  assert.throws(() => codec.decode(JSON.stringify(planted)), /GCM tag mismatch/);
  const written = JSON.parse(codec.encode(testKey('fresh'))) as { kek: { N: number; r: number; p: number; salt: string } };
  assert.deepEqual({ N: written.kek.N, r: written.kek.r, p: written.kek.p }, configured);
  assert.notEqual(written.kek.salt, salt);
});
