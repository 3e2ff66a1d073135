import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ProxyStatus } from '../../src/proxy/admin/proxy-status.js';
import { formatStatus } from '../../src/cli/status-command.js';
import { loadConfigFile } from '../../src/proxy/config/load-config.js';
import { encodeBase64 } from '../../src/crypto/base64.js';
import { loadKeyDirectory } from '../../src/proxy/keystore/load-key-directory.js';
import { createLogger } from '../../src/logging/create-logger.js';
import { startProxy } from '../../src/proxy/server/start-proxy.js';
import { createTempProxyDir } from '../support/proxy-process.js';
import { runCli } from '../support/run-cli.js';
import { TEST_SECRET, testKey } from '../support/test-app.js';
import { pollUntil } from '../support/poll-until.js';


test('running proxy: xks keys changes are picked up by the directory watch; xks status shows the deep health check', { timeout: 30_000 }, async () => {
  const t = createTempProxyDir({ keys: [testKey('k1')], extraConfig: { admin: { host: '127.0.0.1', port: 0 } } });
  const lines: string[] = [];
  const logger = createLogger({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  const proxy = await startProxy({ config: loadConfigFile(t.configPath), logger });
  try {
    const env = { XKS_CONFIG: t.configPath };
    const served = () => proxy.runtime.current().storesByPrefix.get('')?.keys;

    assert.equal((await runCli(['keys', 'create', 'k2'], { cwd: t.dir, env })).error, undefined);
    await pollUntil('k2 served', () => served()?.getKey('k2') !== undefined);
    assert.match(proxy.runtime.loadReason, /key directory of e2e changed/);

    await runCli(['keys', 'disable', 'k1'], { cwd: t.dir, env });
    await pollUntil('k1 disabled', () => served()?.getKey('k1')?.keyStatus === 'DISABLED');
    await runCli(['keys', 'rotate', 'k2'], { cwd: t.dir, env });
    await pollUntil('k2 rotated', () => served()?.getKey('k2')?.versions.length === 2);
    await runCli(['keys', 'delete', 'k2', '--force'], { cwd: t.dir, env });
    await pollUntil('k2 gone', () => served()?.getKey('k2') === undefined);

    const status = async () => (await (await fetch(`${proxy.adminUrl}/status`)).json()) as ProxyStatus;
    const active = await status();
    assert.equal(active.keyStores[0]?.health, 'ACTIVE');
    assert.equal(active.keyStores[0]?.healthCheck?.healthStatus, 'ACTIVE');
    assert.ok((active.keyStores[0]?.healthCheck?.cacheAgeMs ?? -1) >= 0);
    assert.match(formatStatus(active), /health check ACTIVE {2}checked \S+ \(\d+\.\d s ago, round trip [\d.]+ ms\)/);
    assert.match(formatStatus(active), /health check last error: none/);

    writeFileSync(join(t.keyDir, 'broken.json'), '{"format":"xks-key/1"', { mode: 0o600 });
    await pollUntil('broken file reported', () => (served()?.problems.length ?? 0) === 1);
    const degraded = await status();
    assert.equal(degraded.keyStores[0]?.health, 'DEGRADED');
    assert.match(formatStatus(degraded), /because: 1 key file\(s\) failed to load/);

    const materials = loadKeyDirectory(t.keyDir).store.listKeys().flatMap((k) => k.versions.map((v) => encodeBase64(v.material)));
    const log = lines.join('');
    for (const m of materials) assert.ok(!log.includes(m), 'no key material in the log');
    assert.ok(!log.includes(TEST_SECRET), 'no secret in the log');
  } finally {
    await proxy.close();
    t.cleanup();
  }
});

test('running proxy with keys encrypted at rest: wrapped files served, changes picked up, no passphrase or material in the log', { timeout: 30_000 }, async () => {
  const t = createTempProxyDir({ keys: [testKey('k1', { versions: 2 })], extraConfig: { admin: { host: '127.0.0.1', port: 0 } } });
  const passphrase = 'passphrase for the test proxy';
  writeFileSync(join(t.dir, 'passphrase'), `${passphrase}\n`, { mode: 0o600 });
  const raw = JSON.parse(readFileSync(t.configPath, 'utf8')) as { keyStores: Record<string, unknown>[] };
  (raw.keyStores[0] as Record<string, unknown>).keyEncryption = { passphraseFile: 'passphrase' };
  writeFileSync(t.configPath, JSON.stringify(raw));
  const env = { XKS_CONFIG: t.configPath };
  assert.equal((await runCli(['keys', 'encrypt-at-rest'], { cwd: t.dir, env })).error, undefined);

  const lines: string[] = [];
  const logger = createLogger({ level: 'debug' }, { write: (l: string) => void lines.push(l) });
  const proxy = await startProxy({ config: loadConfigFile(t.configPath), logger });
  try {
    const served = () => proxy.runtime.current().storesByPrefix.get('')?.keys;
    assert.equal(served()?.getKey('k1')?.versions.length, 2);
    assert.deepEqual(served()?.problems, []);
    await runCli(['keys', 'create', 'k2'], { cwd: t.dir, env });
    await pollUntil('k2 served', () => served()?.getKey('k2') !== undefined);
    assert.match(readFileSync(join(t.keyDir, 'k2.json'), 'utf8'), /xks-key-wrapped\/1/);
    const status = (await (await fetch(`${proxy.adminUrl}/status`)).json()) as ProxyStatus;
    assert.equal(status.keyStores[0]?.health, 'ACTIVE');
    const log = lines.join('');
    assert.ok(!log.includes(passphrase), 'no passphrase in the log');
    for (const key of served()?.listKeys() ?? []) for (const v of key.versions) assert.ok(!log.includes(encodeBase64(v.material)), 'no material in the log');
  } finally {
    await proxy.close();
    t.cleanup();
  }
});
