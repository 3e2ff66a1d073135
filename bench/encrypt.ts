/**
 * `npm run bench`: load a real `xks serve` process with Encrypt requests shaped like KMS's largest
 * (4300-byte plaintext, 8192-byte AAD, CDIV requested) and print throughput and latency percentiles.
 *
 *   npm run bench:encrypt -- [--operation encrypt|decrypt|health] [--engine node|noble] [--duration 10] [--connections 16]
 *                    [--workers N] [--warmup 3] [--backend files|softhsm]
 *
 * --backend softhsm keeps the key in a fresh SoftHSM2 token (docs/hsm.md; needs softhsm2 and opensc): the same
 * requests through the PKCS#11 backend, for the side-by-side rows in docs/performance.md.
 *
 * --workers N runs `xks serve --workers N` (docs/operations.md); the CPU time of the whole process tree (primary and
 * workers) per request is printed, so 1 and 2 workers can be compared: the cost per request should not grow.
 *
 * The proxy runs in its own process (one core), autocannon in this one. The request is signed once: SigV4 has no
 * nonce, and the signature stays valid for the 5-minute skew window, far longer than a run.
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { parseArgs } from 'node:util';
import { signRequest } from '../src/sigv4/index.js';
import { processTreeCpu } from '../test/support/load/process-cpu.js';
import { createTempProxyDir, startProxyProcess } from '../test/support/proxy-process.js';
import { createSoftHsmToken } from '../test/support/softhsm.js';
import { TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET, testKey } from '../test/support/test-app.js';

const { values } = parseArgs({
  options: {
    operation: { type: 'string', default: 'encrypt' },
    engine: { type: 'string', default: 'node' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    workers: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'files' },
  },
});
const operation = values.operation ?? 'encrypt';
const engine = values.engine === 'noble' ? 'noble' : 'node';
const duration = Number(values.duration);
const connections = Number(values.connections);
const workers = Number(values.workers);
const warmup = Number(values.warmup);

const metadata = {
  awsPrincipalArn: 'arn:aws:iam::111122223333:role/bench',
  kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  kmsOperation: 'Encrypt',
  kmsRequestId: 'bench',
};
const encryptBody = {
  requestMetadata: metadata,
  plaintext: randomBytes(4300).toString('base64'),
  additionalAuthenticatedData: randomBytes(8192).toString('base64'),
  encryptionAlgorithm: 'AES_GCM',
  ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
};

const hsm = values.backend === 'softhsm' ? createSoftHsmToken('bench') : undefined;
hsm?.keygen('bench-key');
const dir = createTempProxyDir({
  keys: hsm === undefined ? [testKey('bench-key')] : [],
  engine,
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  ...(hsm !== undefined && { storeConfig: { keyDirectory: undefined, pkcs11: hsm.configBlock() } }),
});
const proxy = await startProxyProcess(['serve', '--config', dir.configPath, '--workers', String(workers)], { stdout: 'ignore', timeoutMs: 60_000, ...(hsm !== undefined && { env: hsm.env }) });
const url = new URL(proxy.url);

async function signedPost(path: string, bodyObject: unknown): Promise<{ path: string; body: string; headers: Record<string, string> }> {
  const body = JSON.stringify(bodyObject);
  const headers = {
    'content-type': 'application/json',
    ...signRequest({
      method: 'POST',
      host: url.host,
      path,
      headers: { 'content-type': 'application/json' },
      body,
      region: TEST_REGION,
      service: 'kms-xks-proxy',
      accessKeyId: TEST_ACCESS_KEY_ID,
      secretAccessKey: TEST_SECRET,
      now: Date.now(),
    }),
  };
  const check = await fetch(`${proxy.url}${path}`, { method: 'POST', headers, body });
  if (check.status !== 200) throw new Error(`warm-up request failed: ${check.status} ${await check.text()}`);
  return { path, body, headers: { ...headers, host: url.host } };
}

async function requestFor(op: string) {
  const keyPath = '/kms/xks/v1/keys/bench-key';
  if (op === 'health') return signedPost('/kms/xks/v1/health', { requestMetadata: { kmsRequestId: 'bench', kmsOperation: 'KmsHealthCheck' } });
  if (op === 'encrypt') return signedPost(`${keyPath}/encrypt`, encryptBody);
  if (op === 'decrypt') {
    const enc = await signedPost(`${keyPath}/encrypt`, encryptBody);
    const response = (await (await fetch(`${proxy.url}${enc.path}`, { method: 'POST', headers: enc.headers, body: enc.body })).json()) as Record<string, string>;
    return signedPost(`${keyPath}/decrypt`, {
      requestMetadata: { ...metadata, kmsOperation: 'Decrypt' },
      encryptionAlgorithm: 'AES_GCM',
      additionalAuthenticatedData: encryptBody.additionalAuthenticatedData,
      ciphertext: response.ciphertext,
      ciphertextMetadata: response.ciphertextMetadata,
      initializationVector: response.initializationVector,
      authenticationTag: response.authenticationTag,
    });
  }
  throw new Error(`unknown --operation ${op}`);
}

try {
  const req = await requestFor(operation);
  const pid = proxy.child.pid ?? 0;
  // Warm every process's JIT first: with N workers each sees 1/N of the requests, so a short run would otherwise
  // measure N times as much unoptimised code.
  if (warmup > 0) await autocannon({ url: `${proxy.url}${req.path}`, method: 'POST', headers: req.headers, body: req.body, connections, duration: warmup });
  // What the processes use while idle (timers, health checks, GC), to tell it apart from the cost of requests.
  const idleStart = processTreeCpu(pid);
  const idleStartedAt = Date.now();
  await new Promise((r) => setTimeout(r, 3000));
  const idleMsPerS = (processTreeCpu(pid).cpuMs - idleStart.cpuMs) / ((Date.now() - idleStartedAt) / 1000);
  const runStartedAt = Date.now();
  const cpuBefore = processTreeCpu(pid);
  const result = await autocannon({ url: `${proxy.url}${req.path}`, method: 'POST', headers: req.headers, body: req.body, connections, duration });
  const cpuAfter = processTreeCpu(pid);
  const non2xx = result.non2xx + result.errors + result.timeouts;
  const cpuUsPerRequest = ((cpuAfter.cpuMs - cpuBefore.cpuMs) * 1000) / Math.max(1, result.requests.total);
  const idleMs = (idleMsPerS * (Date.now() - runStartedAt)) / 1000;
  const netUsPerRequest = ((cpuAfter.cpuMs - cpuBefore.cpuMs - idleMs) * 1000) / Math.max(1, result.requests.total);
  process.stdout.write(
    [
      `xks-proxy bench: ${operation} (${operation === 'health' ? 'GetHealthStatus' : '4300 B plaintext, 8192 B AAD, CDIV'}), ${hsm === undefined ? `key files, engine ${engine}` : 'SoftHSM2 token (PKCS#11)'}`,
      `  node ${process.version}, ${connections} connections, ${duration} s, proxy: ${workers === 1 ? 'one process' : `${workers} workers + primary`} (${cpuAfter.processes} processes)`,
      `  requests/s  mean ${result.requests.average.toFixed(0)}  (total ${result.requests.total})`,
      `  CPU per request  ${cpuUsPerRequest.toFixed(0)} µs (all proxy processes); ${netUsPerRequest.toFixed(0)} µs without the idle use (${idleMsPerS.toFixed(1)} ms/s)`,
      `  latency ms  p50 ${result.latency.p50}  p90 ${result.latency.p90}  p99 ${result.latency.p99}  max ${result.latency.max}`,
      `  non-2xx/errors/timeouts ${non2xx}`,
      '',
    ].join('\n'),
  );
  if (non2xx > 0) process.exitCode = 1;
} finally {
  await proxy.stop();
  dir.cleanup();
  hsm?.cleanup();
}
