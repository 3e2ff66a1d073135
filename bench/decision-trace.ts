/**
 * `npm run bench:decisions`: what keeping decision records (`xks explain`) costs on the request path. Two apps built
 * by createApp in this process, one with a decision log and one without, each on 127.0.0.1:0, loaded in turns by
 * autocannon with the same signed request (GetHealthStatus: the cheapest request, where a fixed cost shows most;
 * Encrypt of 4300 bytes). Prints requests/s of each and the ratio per round; rounds alternate to spread load noise.
 *
 *   npm run bench:decisions -- [--operation health|encrypt] [--duration 3] [--rounds 3] [--connections 8]
 *   npm run bench:decisions -- --micro     CPU time of one record write (the observer) and one refusal's facts
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createDecisionLog } from '../src/proxy/explain/decision-log.js';
import { createDecisionObserver, newDecisionTrace } from '../src/proxy/http/decision-trace.js';
import { signRequest } from '../src/sigv4/index.js';
import { createTestApp, kmsMetadata, TEST_ACCESS_KEY_ID, TEST_NOW, TEST_REGION, TEST_SECRET, type TestApp } from '../test/support/test-app.js';

const { values } = parseArgs({
  options: {
    operation: { type: 'string', default: 'health' },
    duration: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
    micro: { type: 'boolean', default: false },
  },
});

if (values.micro === true) {
  // CPU time (not wall time: the machine may be shared) of what the request path adds per request.
  const log = createDecisionLog();
  const observe = createDecisionObserver(log, () => TEST_NOW);
  const fields = { operation: 'Encrypt', keyStore: 'test', externalKeyId: 'key-1', accessKeyId: TEST_ACCESS_KEY_ID, kmsRequestId: 'bench', kmsOperation: 'Encrypt' };
  const n = 1_000_000;
  const cpu = (run: () => void): number => {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    return ((used.user + used.system) * 1000) / n;
  };
  const answered = cpu(() => {
    for (let i = 0; i < n; i++) {
      const trace = newDecisionTrace();
      trace.stage = 'body';
      observe({ fields, method: 'POST', status: 200, outcome: 'ok', authenticated: true, durationMs: 1, decision: trace });
    }
  });
  process.stdout.write(`decision log, CPU per answered request (new trace, a stage move, one ring entry): ${answered.toFixed(0)} ns (node ${process.version}, ${n} iterations)\n`);
  process.exit(0);
}
const operation = values.operation === 'encrypt' ? 'encrypt' : 'health';
const path = operation === 'health' ? '/kms/xks/v1/health' : '/kms/xks/v1/keys/key-1/encrypt';
const body = JSON.stringify(
  operation === 'health'
    ? { requestMetadata: { kmsRequestId: 'bench', kmsOperation: 'KmsHealthCheck' } }
    : { requestMetadata: kmsMetadata('Encrypt'), plaintext: Buffer.alloc(4300, 7).toString('base64'), encryptionAlgorithm: 'AES_GCM' },
);

async function listen(t: TestApp): Promise<{ server: Server; url: string }> {
  const server = await new Promise<Server>((ok) => {
    const s = t.app.listen(0, '127.0.0.1', () => ok(s));
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const silent = { rawConfig: { logging: { level: 'silent' } } };
const withLog = await listen(createTestApp({ ...silent, deps: { decisions: createDecisionLog() } }));
const without = await listen(createTestApp(silent));

async function run(url: string): Promise<number> {
  const host = new URL(url).host;
  const headers = { 'content-type': 'application/json', host, ...signRequest({ method: 'POST', host, path, headers: { 'content-type': 'application/json' }, body, region: TEST_REGION, service: 'kms-xks-proxy', accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET, now: TEST_NOW }) };
  const r = await autocannon({ url: `${url}${path}`, method: 'POST', headers, body, connections: Number(values.connections), duration: Number(values.duration) });
  if (r.non2xx + r.errors > 0) throw new Error(`${r.non2xx} non-2xx, ${r.errors} errors`);
  return r.requests.average;
}

try {
  process.stdout.write(`decision log cost: ${operation}, node ${process.version}, ${values.connections} connections, ${values.duration} s per run, app and load in one process\n`);
  for (let i = 1; i <= Number(values.rounds); i++) {
    const a = await run(without.url);
    const b = await run(withLog.url);
    process.stdout.write(`  round ${i}: without ${a.toFixed(0)} req/s, with decision log ${b.toFixed(0)} req/s (${((b / a - 1) * 100).toFixed(1)} %)\n`);
  }
} finally {
  withLog.server.close();
  without.server.close();
}
