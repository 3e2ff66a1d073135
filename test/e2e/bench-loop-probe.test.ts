/**
 * bench/support/loop-probe.mjs, the event-loop lateness probe bench:hsm-rate loads into the proxy: a child node with
 * the probe blocks its own loop once for 60 ms and the probe's file shows it in that second and not in an idle one.
 * The bounds are the block's own (>= 40 ms for a 60 ms block; < 40 ms for at least one of several idle seconds), so
 * a busy machine can only make the idle side wait for a calmer second, never make the test pass wrongly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeRunLoopDelay, createLoopProbeFile, parseLoopProbeLines } from '../support/load/loop-probe.js';
import { REPO_ROOT } from '../support/repo-root.js';
import { runChild } from '../support/run-child.js';

/** Idle 3.5 s (three whole seconds or more), block the loop 60 ms, then idle 1.5 s so the block's second is written. */
const CHILD = `
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
await wait(3500);
const blockStart = Date.now();
while (Date.now() - blockStart < 60) {}
const blockEnd = Date.now();
await wait(1500);
process.stdout.write(JSON.stringify({ blockStart, blockEnd }));
`;

test('loop probe: a 60 ms busy loop -> that second >= 40 ms late; an idle second < 40 ms', { timeout: 60_000 }, async () => {
  const probe = createLoopProbeFile();
  try {
    const run = await runChild(process.execPath, [...probe.nodeArgs, '--input-type=module', '--eval', CHILD], { cwd: REPO_ROOT, env: { ...process.env, ...probe.env }, timeoutMs: 30_000 });
    assert.equal(run.status, 0, run.stderr);
    const { blockStart, blockEnd } = JSON.parse(run.stdout) as { blockStart: number; blockEnd: number };
    const seconds = probe.read();
    assert.ok(seconds.length >= 4, `one line per second of a 5 s life: ${JSON.stringify(seconds)}`);
    // The tick due during the block runs after it: its lateness belongs to the second in which the block ended.
    const blockIndex = seconds.findLastIndex((s) => s.at <= blockEnd);
    const blocked = seconds[blockIndex];
    assert.ok(blocked !== undefined && blocked.maxLatenessMs >= 40, `the block's second: ${JSON.stringify(blocked)} (block ${blockStart}..${blockEnd}) in ${JSON.stringify(seconds)}`);
    const idle = seconds.filter((_, i) => i !== blockIndex && (seconds[i + 1]?.at ?? Infinity) <= blockStart);
    assert.ok(idle.length >= 2, `idle seconds before the block: ${JSON.stringify(seconds)}`);
    assert.ok(
      idle.some((s) => s.maxLatenessMs < 40),
      `an idle second is not 40 ms late: ${JSON.stringify(idle)}`,
    );
  } finally {
    probe.cleanup();
  }
});

test('loop probe: an otherwise empty process exits at once (the probe keeps nothing alive)', { timeout: 60_000 }, async () => {
  const probe = createLoopProbeFile();
  try {
    // The hang guard kills a process kept alive after 20 s: status null, not 0.
    const run = await runChild(process.execPath, [...probe.nodeArgs, '--eval', 'process.stdout.write("done")'], { cwd: REPO_ROOT, env: { ...process.env, ...probe.env }, timeoutMs: 20_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'done');
  } finally {
    probe.cleanup();
  }
});

test('loop probe: without XKS_LOOP_PROBE_FILE -> nothing written, the process runs as usual', { timeout: 60_000 }, async () => {
  const probe = createLoopProbeFile();
  try {
    const env = { ...process.env };
    delete env['XKS_LOOP_PROBE_FILE'];
    const run = await runChild(process.execPath, [...probe.nodeArgs, '--eval', 'setTimeout(() => process.stdout.write("done"), 1200)'], { cwd: REPO_ROOT, env, timeoutMs: 20_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'done');
    assert.deepEqual(probe.read(), []);
  } finally {
    probe.cleanup();
  }
});

test('computeRunLoopDelay: only the seconds wholly within the run count; a second ends where the next begins', () => {
  const seconds = parseLoopProbeLines(
    ['{"at":1000,"maxLatenessMs":90}', '{"at":2000,"maxLatenessMs":3}', '{"at":3000,"maxLatenessMs":7.5}', '{"at":4100,"maxLatenessMs":50}', '{"at":5100,"maxLatenessMs":1}', '{"at":6100,'].join('\n'),
  );
  assert.equal(seconds.length, 5, 'a partly written last line waits for the next read');
  // 1000 starts before the run; 3000 ends at 4100 (a stall delayed its closing tick), after the run's end at 4050.
  assert.deepEqual(computeRunLoopDelay(seconds, 1500, 4050), { maxLatenessMs: 3, seconds: 1 });
  assert.deepEqual(computeRunLoopDelay(seconds, 1000, 6100), { maxLatenessMs: 90, seconds: 5 });
  assert.deepEqual(computeRunLoopDelay(seconds, 5200, 6000), { maxLatenessMs: -Infinity, seconds: 0 });
  assert.throws(() => parseLoopProbeLines('{"at":1,"maxLatenessMs":-1}\n'), /not a second's line/);
});
