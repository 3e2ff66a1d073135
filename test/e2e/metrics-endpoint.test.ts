import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startInProcessProxy, type InProcessProxy } from '../support/in-process-proxy.js';
import { REPO_ROOT } from '../support/proxy-process.js';
import { encryptBody, requestMetadata, signedPost } from '../support/signed-post.js';
import { testKey } from '../support/test-app.js';
import { parseExposition, sample, type Exposition } from '../support/exposition.js';

/**
 * The admin listener's GET /metrics, fetched with the real curl after a known mix of requests: each counter must
 * equal what was sent. Quota: burst 8 and a negligible refill, so exactly 8 non-health requests get past it.
 */
let proxy: InProcessProxy;
let metrics: Exposition;
const startedAt = Date.now() / 1000;

before(async () => {
  proxy = await startInProcessProxy({
    keys: [testKey('k1')],
    config: (dir) => {
      writeFileSync(
        join(dir, 'policy.json'),
        JSON.stringify({ default: 'allow', rules: [{ id: 'no-decrypt', effect: 'deny', when: { operation: 'Decrypt' } }] }),
      );
      const base = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { keyStores: Record<string, unknown>[] };
      return {
        admin: { host: '127.0.0.1', port: 0 },
        keyStores: [{ ...base.keyStores[0], quota: { requestsPerSecond: 0.001, burst: 8 }, authorizationPolicy: 'policy.json' }],
      };
    },
  });
  // A broken key file: one key-file problem for the store (picked up by the key directory watcher).
  const swapped = proxy.waitForLog('runtime reloaded', proxy.logs.length);
  writeFileSync(join(proxy.dir.keyDir, 'broken.json'), '{ not json');
  await swapped;
  const url = proxy.proxy.url;
  const base = '/kms/xks/v1';
  const statuses: number[] = [];
  const post = async (path: string, body: unknown, secret?: string) =>
    statuses.push((await signedPost(url, `${base}${path}`, body, secret === undefined ? {} : { secret })).status);
  for (let i = 0; i < 3; i++) await post('/keys/k1/encrypt', encryptBody(`ok-${i}`));
  await post('/keys/nope/metadata', { requestMetadata: requestMetadata('DescribeKey') });
  await post('/keys/k1/decrypt', {
    requestMetadata: requestMetadata('Decrypt'),
    ciphertext: 'AAAA',
    encryptionAlgorithm: 'AES_GCM',
    initializationVector: Buffer.alloc(12).toString('base64'),
    authenticationTag: Buffer.alloc(16).toString('base64'),
  });
  for (let i = 0; i < 2; i++) await post('/keys/k1/encrypt', encryptBody(`bad-${i}`), 'A'.repeat(43));
  await post('/health', { requestMetadata: requestMetadata('KmsHealthCheck') });
  for (let i = 0; i < 5; i++) await post('/keys/k1/encrypt', encryptBody(`late-${i}`));
  assert.deepEqual(statuses, [200, 200, 200, 404, 403, 401, 401, 200, 200, 200, 200, 429, 429]);
  // Asynchronous: the proxy runs in this process and must keep serving while curl waits.
  const curl = await promisify(execFile)('curl', ['-sS', '-f', `${proxy.proxy.adminUrl}/metrics`], { encoding: 'utf8', timeout: 10_000 });
  metrics = parseExposition(curl.stdout);
});
after(() => proxy.stop());

test('metrics: xks_requests_total counts every request by key store, operation, outcome and errorName', () => {
  const n = (operation: string, outcome: string, errorName: string) =>
    sample(metrics, 'xks_requests_total', { key_store: 'e2e', operation, outcome, error_name: errorName });
  assert.equal(n('Encrypt', 'ok', ''), 6);
  // Refused: answered before the signature verified (docs/operations.md, request outcomes).
  assert.equal(n('Encrypt', 'refused', 'AuthenticationFailedException'), 2);
  assert.equal(n('Encrypt', 'error', 'ThrottlingException'), 2);
  assert.equal(n('GetKeyMetadata', 'error', 'KeyNotFoundException'), 1);
  assert.equal(n('Decrypt', 'error', 'AccessDeniedException'), 1);
  assert.equal(n('GetHealthStatus', 'ok', ''), 1);
});

test('metrics: latency histogram per operation counts each request once', () => {
  assert.equal(sample(metrics, 'xks_request_duration_seconds_count', { operation: 'Encrypt' }), 10);
  assert.equal(sample(metrics, 'xks_request_duration_seconds_bucket', { operation: 'Encrypt', le: '+Inf' }), 10);
  assert.equal(sample(metrics, 'xks_request_duration_seconds_count', { operation: 'GetHealthStatus' }), 1);
  assert.ok((sample(metrics, 'xks_request_duration_seconds_sum', { operation: 'Encrypt' }) ?? 0) > 0);
});

test('metrics: refusals by limit, SigV4 failures by reason, authorization denials by rule', () => {
  assert.equal(sample(metrics, 'xks_refusals_total', { limit: 'quota' }), 2);
  assert.equal(sample(metrics, 'xks_refusals_total', { limit: 'concurrency' }), 0);
  assert.equal(sample(metrics, 'xks_refusals_total', { limit: 'slow_body' }), 0);
  assert.equal(sample(metrics, 'xks_sigv4_failures_total', { key_store: 'e2e', reason: 'signature-mismatch' }), 2);
  assert.equal(sample(metrics, 'xks_authorization_denials_total', { key_store: 'e2e', rule: 'no-decrypt' }), 1);
});

test('metrics: credential last use, health per key store, key-file problems, build info, process metrics', () => {
  const lastUsed = sample(metrics, 'xks_credential_last_used_timestamp_seconds', { key_store: 'e2e', access_key_id: 'AKIAI2SFODNN7EXAMPLE' });
  assert.ok(lastUsed !== undefined && lastUsed >= Math.floor(startedAt) && lastUsed <= Date.now() / 1000 + 1, String(lastUsed));
  assert.equal(sample(metrics, 'xks_key_store_health_status', { key_store: 'e2e', status: 'BLOCKED' }), 0);
  assert.equal(sample(metrics, 'xks_key_file_problems', { key_store: 'e2e' }), 1);
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(sample(metrics, 'xks_build_info', { version: pkg.version, node_version: process.version }), 1);
  assert.equal(sample(metrics, 'xks_requests_in_flight', {}), 0);
  assert.ok((sample(metrics, 'process_cpu_seconds_total', {}) ?? 0) > 0);
});

test('metrics: every metric family listed in docs/operations.md is exposed, and every exposed xks_ family is listed', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `((?:xks|process|nodejs)_[a-z0-9_]+)` \|[^|]*\|[^|]*\| (.*)$/gm)];
  assert.ok(rows.length >= 14, `docs list ${rows.length} families`);
  // Families of the fleet primary (With `--workers`) are checked by test/e2e/workers.test.ts.
  const singleProcess = rows.filter((r) => !(r[2] ?? '').startsWith('With `--workers`')).map((r) => r[1] ?? '');
  for (const family of singleProcess) assert.ok(metrics.types.has(family), `${family} listed in the docs but not exposed`);
  const listed = new Set(rows.map((r) => r[1]));
  for (const family of metrics.types.keys()) if (family.startsWith('xks_')) assert.ok(listed.has(family), `${family} exposed but not in the docs`);
});

test('metrics: the public XKS listener does not serve /metrics', async () => {
  const res = await fetch(`${proxy.proxy.url}/metrics`);
  assert.equal(res.status, 404);
  assert.doesNotMatch(await res.text(), /xks_requests_total/);
});
