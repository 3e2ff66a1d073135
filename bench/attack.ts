/**
 * `npm run bench:attack`: issue 10's three attack classes against a real `xks serve` with default settings, each
 * while a signed client (KMS-shaped Encrypt, keep-alive) probes every 50 ms; prints the client's success rate, p99
 * and the proxy's peak RSS per class, and exits non-zero when a class misses a target. Loopback only; bounded
 * (each class: --warmup s to reach full strength, then --probe s of probing; a fresh proxy per class).
 *
 *   npm run bench:attack -- [--classes pipeline-flood,slot-hold,idle-hold] [--warmup 3] [--probe 15] [--json]
 */
import { availableParallelism } from 'node:os';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { startProxyServer, taskset } from '../test/support/load/servers.js';
import { ATTACK_CLASSES, type AttackClass } from '../test/support/attack/attacks.js';
import { formatAttackResults, runAttackClass, type AttackResult } from '../test/support/attack/run-attack.js';

const { values } = parseArgs({
  options: {
    classes: { type: 'string', default: ATTACK_CLASSES.join(',') },
    warmup: { type: 'string', default: '3' },
    probe: { type: 'string', default: '15' },
    'log-level': { type: 'string', default: 'info' },
    json: { type: 'boolean', default: false },
  },
});
const classes = (values.classes ?? '').split(',').filter((c): c is AttackClass => (ATTACK_CLASSES as readonly string[]).includes(c));
const pinned = taskset && availableParallelism() >= 2;
if (pinned) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });

const results: AttackResult[] = [];
let running: { stop(): Promise<void> } | undefined;
// Ctrl-C or a kill: stop the proxy this run started before exiting.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void (running?.stop() ?? Promise.resolve()).finally(() => process.exit(130)));
for (const kind of classes) {
  const proxy = await startProxyServer({ logLevel: values['log-level'] ?? 'info', ...(pinned && { cpu: 0 }) });
  running = proxy;
  try {
    process.stderr.write(`attack ${kind}: ${values.warmup} s to full strength, then ${values.probe} s of probing every 50 ms ...\n`);
    const r = await runAttackClass(proxy, kind, { warmupMs: Number(values.warmup) * 1000, probeMs: Number(values.probe) * 1000 });
    process.stderr.write(`  success ${(r.probe.successRate * 100).toFixed(2)}%, p99 ${r.probe.p99Ms.toFixed(1)} ms, peak RSS ${r.maxRssMiB.toFixed(0)} MiB: ${r.passed ? 'pass' : 'FAIL'}\n`);
    results.push(r);
  } finally {
    await proxy.stop();
  }
}
process.stdout.write(values.json === true ? `${JSON.stringify(results, null, 2)}\n` : `${formatAttackResults(results)}\n`);
if (results.some((r) => !r.passed)) process.exitCode = 1;
