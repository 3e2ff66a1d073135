import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseFaults, faultsSchema, parseFaultShorthand, type FaultRule } from '../../../../src/proxy/faults/fault-rules.js';

/** A random source that returns the given values in turn. */
const draws = (...values: number[]): (() => number) => {
  let i = 0;
  return () => values[i++] ?? 0.999;
};

const rules = (raw: unknown[]): FaultRule[] => faultsSchema.parse(raw);

test('chooseFaults: no rule matches -> undefined (the proxy answers normally)', () => {
  const r = rules([{ keyStore: 'other', fault: { type: 'drop-connection' } }, { operations: ['Decrypt'], fault: { type: 'malformed-body' } }]);
  assert.equal(chooseFaults(r, { keyStore: 'a', operation: 'Encrypt', externalKeyId: 'k' }, draws()), undefined);
});

test('chooseFaults: store, key and operation filters; a key filter never matches GetHealthStatus (no key)', () => {
  const r = rules([{ keyStore: 'a', externalKeyId: 'k1', operations: ['Encrypt'], fault: { type: 'wrong-cdiv' } }]);
  assert.deepEqual(chooseFaults(r, { keyStore: 'a', operation: 'Encrypt', externalKeyId: 'k1' }, draws(0)), { delayMs: 0, outcome: { type: 'wrong-cdiv' } });
  assert.equal(chooseFaults(r, { keyStore: 'a', operation: 'Encrypt', externalKeyId: 'k2' }, draws(0)), undefined);
  assert.equal(chooseFaults(r, { keyStore: 'b', operation: 'Encrypt', externalKeyId: 'k1' }, draws(0)), undefined);
  assert.equal(chooseFaults(r, { keyStore: 'a', operation: 'GetHealthStatus' }, draws(0)), undefined);
});

test('chooseFaults: probability is compared with one draw per matching rule (draw < p fires)', () => {
  const r = rules([{ probability: 0.25, fault: { type: 'error', errorName: 'ThrottlingException' } }]);
  const target = { keyStore: 'a', operation: 'Encrypt' as const, externalKeyId: 'k' };
  assert.deepEqual(chooseFaults(r, target, draws(0.2499))?.outcome, { type: 'error', errorName: 'ThrottlingException' });
  assert.equal(chooseFaults(r, target, draws(0.25)), undefined);
  assert.equal(chooseFaults(rules([{ probability: 0, fault: { type: 'drop-connection' } }]), target, draws(0)), undefined);
  // Over many draws, the share that fires follows p (a seeded linear congruential source, not Math.random).
  let seed = 42;
  const lcg = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let fired = 0;
  for (let i = 0; i < 10_000; i++) if (chooseFaults(r, target, lcg) !== undefined) fired++;
  assert.ok(fired > 2300 && fired < 2700, `fired ${fired} of 10000 at p=0.25`);
});

test('chooseFaults: latencies add up; the first other fault that fires decides the answer', () => {
  const r = rules([
    { fault: { type: 'latency', ms: 100 } },
    { probability: 0.5, fault: { type: 'drop-connection' } },
    { fault: { type: 'latency', ms: 50 } },
    { fault: { type: 'health-status', healthStatus: 'DEGRADED' } },
  ]);
  const target = { keyStore: 'a', operation: 'GetHealthStatus' as const };
  assert.deepEqual(chooseFaults(r, target, draws(0, 0.9, 0, 0)), { delayMs: 150, outcome: { type: 'health-status', healthStatus: 'DEGRADED' } });
  assert.deepEqual(chooseFaults(r, target, draws(0, 0.1, 0, 0)), { delayMs: 150, outcome: { type: 'drop-connection' } });
  assert.deepEqual(chooseFaults(r.slice(0, 1), target, draws(0)), { delayMs: 100 });
});

test('faults schema: unknown fault types, error names, health states, probabilities and fields are refused', () => {
  for (const bad of [
    [{ fault: { type: 'explode' } }],
    [{ fault: { type: 'error', errorName: 'TeapotException' } }],
    [{ fault: { type: 'health-status', healthStatus: 'SICK' } }],
    [{ probability: 1.5, fault: { type: 'drop-connection' } }],
    [{ fault: { type: 'latency', ms: 0 } }],
    [{ operations: ['Sign'], fault: { type: 'drop-connection' } }],
    [{ fault: { type: 'drop-connection' }, extra: true }],
  ]) {
    assert.equal(faultsSchema.safeParse(bad).success, false, JSON.stringify(bad));
  }
  assert.equal(faultsSchema.parse([{ fault: { type: 'truncated-body' } }])[0]?.probability, 1);
});

test('parseFaultShorthand: every fault type, and a message naming them for anything else', () => {
  assert.deepEqual(parseFaultShorthand('latency:300'), { type: 'latency', ms: 300 });
  assert.deepEqual(parseFaultShorthand('error:InternalException'), { type: 'error', errorName: 'InternalException' });
  assert.deepEqual(parseFaultShorthand('health:UNAVAILABLE'), { type: 'health-status', healthStatus: 'UNAVAILABLE' });
  for (const t of ['malformed-body', 'truncated-body', 'wrong-cdiv', 'flip-ciphertext-bit', 'drop-connection']) assert.deepEqual(parseFaultShorthand(t), { type: t });
  for (const bad of ['latency:abc', 'error:Nope', 'health:SICK', 'boom']) assert.match(String(parseFaultShorthand(bad)), /unknown fault .*latency:MS/);
});
