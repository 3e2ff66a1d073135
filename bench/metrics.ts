/**
 * `npx tsx bench/metrics.ts`: what the Prometheus metrics cost on the request path. Each finished request makes
 * one call of the metrics observer (a counter and a histogram); the scrape-time collectors cost requests nothing. Prints
 * the cost per call, for comparison with the proxy's CPU per request that `npm run bench` prints.
 */
import { createRefusalCounters } from '../src/proxy/http/refusal-counters.js';
import { createProxyMetrics } from '../src/proxy/metrics/proxy-metrics.js';

const metrics = createProxyMetrics({
  status: () => ({ configSource: 'bench', loadedAt: '', loadReason: '', keyStores: [] }),
  inFlight: () => 0,
  openConnections: () => 0,
  refusals: () => createRefusalCounters().snapshot(),
  version: 'bench',
});
const operations = ['Encrypt', 'Decrypt', 'GetKeyMetadata', 'GetHealthStatus'];
const run = (n: number) => {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    metrics.observer({ fields: { keyStore: 'prod', operation: operations[i & 3] }, method: 'POST', status: 200, outcome: 'ok', authenticated: true, durationMs: (i % 50) / 10 });
  }
  return Number(process.hrtime.bigint() - start) / n;
};
run(200_000);
const rounds = [run(1_000_000), run(1_000_000), run(1_000_000)].sort((a, b) => a - b);
process.stdout.write(`metrics observer: median ${rounds[1]?.toFixed(0)} ns per request (min ${rounds[0]?.toFixed(0)}, max ${rounds[2]?.toFixed(0)}), node ${process.version}\n`);
