import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KeyStoreConfig } from '../../../../src/proxy/config/load-config.js';
import { createAesGcmEngine, TagMismatchError, type AesGcmEngine } from '../../../../src/crypto/aes-gcm.js';
import { encodeBase64 } from '../../../../src/crypto/base64.js';
import { secureRandomBytes } from '../../../../src/crypto/random.js';
import { createHealthMonitor, HEALTH_DIRECTORY, HEALTH_KEY_FILE, type HealthMonitorDeps } from '../../../../src/proxy/health/health-monitor.js';
import { buildRuntime, type StoreRuntime } from '../../../../src/proxy/http/proxy-runtime.js';
import { createKeyCodecRegistry } from '../../../../src/proxy/keystore/key-codec-registry.js';
import { openKeyDirectory } from '../../../../src/proxy/keystore/key-directory.js';
import { createMemoryKeyStore } from '../../../../src/proxy/keystore/key-store.js';
import { loadKeyDirectory } from '../../../../src/proxy/keystore/load-key-directory.js';
import { createTestApp, signedRequest, testConfig, TEST_NOW, testKey, testMaterial } from '../../../support/test-app.js';

function setup(options: { keyDirectory?: string; engine?: AesGcmEngine; now?: () => number; problems?: boolean; keyEncryption?: KeyStoreConfig['keyEncryption'] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'xks-health-'));
  openKeyDirectory(dir).create({ externalKeyId: 'kms-key' });
  const base = testConfig();
  const store: KeyStoreConfig = {
    ...(base.keyStores[0] as KeyStoreConfig),
    keyDirectory: options.keyDirectory ?? dir,
    ...(options.keyEncryption !== undefined && { keyEncryption: options.keyEncryption }),
  };
  const config = { ...base, keyStores: [store] };
  let clockNow = TEST_NOW;
  let engineCalls = 0;
  const inner = options.engine ?? createAesGcmEngine('node');
  const engine: AesGcmEngine = {
    name: inner.name,
    encrypt: (...a) => (engineCalls++, inner.encrypt(...a)),
    decrypt: (...a) => (engineCalls++, inner.decrypt(...a)),
  };
  const deps: HealthMonitorDeps = {
    stores: () => config.keyStores,
    codecs: createKeyCodecRegistry({ scrypt: { N: 1024, r: 8, p: 1 } }),
    engine,
    random: secureRandomBytes,
    clock: () => clockNow,
    // A frozen monotonic clock: every round trip takes 0 ms, so a busy machine cannot turn ACTIVE into DEGRADED here;
    // the slow-threshold test injects its own clock.
    now: options.now ?? (() => 0),
    config: { intervalMs: 15_000, maxAgeMs: 60_000, slowMs: 100 },
  };
  const monitor = createHealthMonitor(deps);
  const keys = options.problems === true ? createMemoryKeyStore([testKey('a')], { problems: [{ file: 'x.json', message: 'not valid JSON' }] }) : createMemoryKeyStore([testKey('a')]);
  const runtime = buildRuntime(config, () => keys);
  const storeRuntime = [...runtime.storesByPrefix.values()][0] as StoreRuntime;
  return {
    dir,
    monitor,
    storeRuntime,
    runtime,
    advance: (ms: number) => (clockNow += ms),
    engineCalls: () => engineCalls,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('health monitor: round trip works -> ACTIVE; the health-check key is created 0600 under .health/ and never served', async () => {
  const s = setup();
  try {
    assert.equal(s.monitor.health(s.storeRuntime), 'UNAVAILABLE', 'no check yet');
    await s.monitor.runChecks();
    assert.equal(s.monitor.health(s.storeRuntime), 'ACTIVE');
    const file = join(s.dir, HEALTH_DIRECTORY, HEALTH_KEY_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(loadKeyDirectory(s.dir).store.listKeys().map((k) => k.externalKeyId), ['kms-key']);
    const before = readFileSync(file, 'utf8');
    await s.monitor.runChecks();
    assert.equal(readFileSync(file, 'utf8'), before, 'the health-check key is reused');
    const snap = s.monitor.snapshot(s.storeRuntime);
    assert.equal(snap.healthStatus, 'ACTIVE');
    assert.equal(snap.cacheAgeMs, 0);
    assert.deepEqual(snap.reasons, []);
    assert.equal(snap.lastError, undefined);
  } finally {
    s.cleanup();
  }
});

test('health monitor: slow round trip -> DEGRADED; key files that failed to load -> DEGRADED', async () => {
  let t = 0;
  const slow = setup({ now: () => (t += 300) });
  const broken = setup({ problems: true });
  try {
    await slow.monitor.runChecks();
    assert.equal(slow.monitor.health(slow.storeRuntime), 'DEGRADED');
    assert.match(slow.monitor.snapshot(slow.storeRuntime).reasons.join(), /round trip took 300 ms \(slow threshold 100 ms\)/);
    await broken.monitor.runChecks();
    assert.equal(broken.monitor.health(broken.storeRuntime), 'DEGRADED');
    assert.match(broken.monitor.snapshot(broken.storeRuntime).reasons.join(), /1 key file\(s\) failed to load/);
  } finally {
    slow.cleanup();
    broken.cleanup();
  }
});

test('health monitor: unreadable key directory, failing crypto or a stale cache -> UNAVAILABLE, with the last error', async () => {
  const missing = setup({ keyDirectory: '/nonexistent/xks-keys' });
  const failing = setup({
    engine: { ...createAesGcmEngine('node'), decrypt: () => { throw new TagMismatchError(); } },
  });
  const stale = setup();
  try {
    await missing.monitor.runChecks();
    assert.equal(missing.monitor.health(missing.storeRuntime), 'UNAVAILABLE');
    assert.match(missing.monitor.snapshot(missing.storeRuntime).lastError ?? '', /ENOENT/);
    await failing.monitor.runChecks();
    assert.equal(failing.monitor.health(failing.storeRuntime), 'UNAVAILABLE');
    assert.match(failing.monitor.snapshot(failing.storeRuntime).lastError ?? '', /does not decrypt/);
    await stale.monitor.runChecks();
    stale.advance(60_000);
    assert.equal(stale.monitor.health(stale.storeRuntime), 'ACTIVE', 'exactly 60 s old is still fresh');
    stale.advance(1);
    assert.equal(stale.monitor.health(stale.storeRuntime), 'UNAVAILABLE');
    assert.match(stale.monitor.snapshot(stale.storeRuntime).reasons.join(), /older than 60000 ms/);
    await stale.monitor.runChecks();
    assert.equal(stale.monitor.health(stale.storeRuntime), 'ACTIVE', 'the next run refreshes it');
  } finally {
    missing.cleanup();
    failing.cleanup();
    stale.cleanup();
  }
});

test('health monitor: recovers to ACTIVE once the directory is back; the last error stays visible', async () => {
  const root = mkdtempSync(join(tmpdir(), 'xks-health-late-'));
  const late = join(root, 'keys');
  const s = setup({ keyDirectory: late });
  try {
    await s.monitor.runChecks();
    assert.equal(s.monitor.health(s.storeRuntime), 'UNAVAILABLE');
    mkdirSync(late, { mode: 0o700 });
    s.advance(15_000);
    await s.monitor.runChecks();
    assert.equal(s.monitor.health(s.storeRuntime), 'ACTIVE');
    const snap = s.monitor.snapshot(s.storeRuntime);
    assert.match(snap.lastError ?? '', /ENOENT/);
    assert.equal(snap.lastErrorAt, new Date(TEST_NOW).toISOString());
  } finally {
    s.cleanup();
    rmSync(root, { recursive: true, force: true });
  }
});

test('health monitor: a store encrypted at rest gets a wrapped health-check key; a wrong KEK -> UNAVAILABLE', async () => {
  const kek = { kind: 'kek' as const, kek: encodeBase64(testMaterial('kek')), source: 'test' };
  const s = setup({ keyEncryption: kek });
  try {
    await s.monitor.runChecks();
    assert.equal(s.monitor.health(s.storeRuntime), 'ACTIVE');
    assert.match(readFileSync(join(s.dir, HEALTH_DIRECTORY, HEALTH_KEY_FILE), 'utf8'), /xks-key-wrapped\/1/);
    const other = setup({ keyDirectory: s.dir, keyEncryption: { ...kek, kek: encodeBase64(testMaterial('other')) } });
    await other.monitor.runChecks();
    assert.equal(other.monitor.health(other.storeRuntime), 'UNAVAILABLE');
    assert.match(other.monitor.snapshot(other.storeRuntime).lastError ?? '', /configured KEK/);
    other.cleanup();
  } finally {
    s.cleanup();
  }
});

test('GetHealthStatus answers from the cache: no crypto in the handler, every fleet entry carries the status', async () => {
  const s = setup();
  try {
    await s.monitor.runChecks();
    const callsAfterCheck = s.engineCalls();
    assert.ok(callsAfterCheck >= 3, 'the check itself encrypts, check-decrypts and decrypts');
    const t = createTestApp({ deps: { ekmHealth: s.monitor.health } });
    for (let i = 0; i < 20; i++) {
      const res = await signedRequest(t.app, '/kms/xks/v1/health', { requestMetadata: { kmsRequestId: `r${i}`, kmsOperation: 'KmsHealthCheck' } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.ekmFleetDetails.map((d: { healthStatus: string }) => d.healthStatus), ['ACTIVE']);
    }
    assert.equal(s.engineCalls(), callsAfterCheck, 'the handler did no crypto');
    s.advance(61_000);
    const stale = await signedRequest(t.app, '/kms/xks/v1/health', { requestMetadata: { kmsRequestId: 'late', kmsOperation: 'KmsHealthCheck' } });
    assert.equal(stale.body.ekmFleetDetails[0].healthStatus, 'UNAVAILABLE');
  } finally {
    s.cleanup();
  }
});

test('health monitor: nothing secret in its log lines', async () => {
  const lines: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'xks-health-log-'));
  try {
    writeFileSync(join(dir, 'placeholder.txt'), '');
    const base = testConfig();
    const kek = encodeBase64(testMaterial('kek-log'));
    const store: KeyStoreConfig = { ...(base.keyStores[0] as KeyStoreConfig), keyDirectory: dir, keyEncryption: { kind: 'kek', kek, source: 'test' } };
    const logger = { info: (o: unknown, m: string) => lines.push(JSON.stringify([o, m])), warn: (o: unknown, m: string) => lines.push(JSON.stringify([o, m])) };
    const monitor = createHealthMonitor({
      stores: () => [store],
      codecs: createKeyCodecRegistry(),
      engine: createAesGcmEngine('node'),
      random: secureRandomBytes,
      clock: () => TEST_NOW,
      logger: logger as never,
    });
    await monitor.runChecks();
    const healthKey = readFileSync(join(dir, HEALTH_DIRECTORY, HEALTH_KEY_FILE), 'utf8');
    assert.ok(lines.length > 0);
    for (const line of lines) {
      assert.ok(!line.includes(kek), 'no KEK in the log');
      assert.ok(!line.includes(healthKey.slice(0, 40)), 'no key file content in the log');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('health monitor: encrypt-at-rest / decrypt-at-rest rewrite the health-check key too, so the check survives turning encryption at rest off', async () => {
  const kek = { kind: 'kek' as const, kek: encodeBase64(testMaterial('health-kek')), source: 'test' };
  const plainStore = setup();
  try {
    // On: a plain health-check key is wrapped by encrypt-at-rest like every key file.
    await plainStore.monitor.runChecks();
    const file = join(plainStore.dir, HEALTH_DIRECTORY, HEALTH_KEY_FILE);
    assert.match(readFileSync(file, 'utf8'), /"format": "xks-key\/1"/);
    const wrapping = createKeyCodecRegistry().codecFor({ name: 'x', keyEncryption: kek });
    openKeyDirectory(plainStore.dir, { codec: wrapping }).rewriteAll();
    assert.match(readFileSync(file, 'utf8'), /"format": "xks-key-wrapped\/1"/, 'the health-check key is wrapped too');

    // Off: decrypt-at-rest, then keyEncryption removed from the configuration -> the check still passes.
    const plain = createKeyCodecRegistry().codecFor({ name: 'x' });
    openKeyDirectory(plainStore.dir, { codec: { wraps: false, decode: (t) => wrapping.decode(t), encode: (k) => plain.encode(k) } }).rewriteAll();
    assert.match(readFileSync(file, 'utf8'), /"format": "xks-key\/1"/);
    const after = setup({ keyDirectory: plainStore.dir });
    try {
      await after.monitor.runChecks();
      assert.equal(after.monitor.health(after.storeRuntime), 'ACTIVE', after.monitor.snapshot(after.storeRuntime).reasons.join('; '));
    } finally {
      after.cleanup();
    }
  } finally {
    plainStore.cleanup();
  }
});
