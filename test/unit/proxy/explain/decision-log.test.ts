/**
 * The decision log keeps answered requests as bytes in fixed slots and everything else as objects
 * (src/proxy/explain/decision-log.ts, "Storage"): whichever way an entry is kept, reading it gives back the same record.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { createDecisionLog, toDecisionRecord, type DecisionEntry } from '../../../../src/proxy/explain/decision-log.js';

const ANSWERED: DecisionEntry = {
  atMs: Date.UTC(2026, 10, 29, 12, 0, 0, 123),
  kmsRequestId: '3b1f8a52-6d0e-4c3a-9a57-1f2e3d4c5b6a',
  kmsOperation: 'Encrypt',
  keyStore: 'default',
  operation: 'Encrypt',
  externalKeyId: 'test-key-1',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  status: 200,
  errorName: undefined,
  outcome: 'answered',
  decidedBy: undefined,
  facts: {},
};

/** Record `entries` in a fresh log and read them back, oldest first. */
function roundTrip(entries: readonly DecisionEntry[], capacity = entries.length) {
  const log = createDecisionLog(capacity);
  for (const e of entries) log.record(e);
  return log.recent(capacity).reverse();
}

describe('decision log storage', () => {
  it('an answered request comes back field for field (and reads the same twice)', () => {
    const log = createDecisionLog(4);
    log.record(ANSWERED);
    assert.deepEqual(log.recent(1), [toDecisionRecord(ANSWERED)]);
    assert.deepEqual(log.find(ANSWERED.kmsRequestId as string), [toDecisionRecord(ANSWERED)]);
  });

  it('every kind of entry comes back as recorded: bytes, objects, undefined fields, empty strings, limits', () => {
    const entries: DecisionEntry[] = [
      ANSWERED,
      { ...ANSWERED, kmsRequestId: undefined, kmsOperation: undefined, keyStore: undefined, operation: undefined, externalKeyId: undefined, accessKeyId: undefined },
      { ...ANSWERED, kmsRequestId: '', status: 0, outcome: 'aborted' },
      // a refusal: facts make it an object
      { ...ANSWERED, status: 403, errorName: 'AuthenticationFailedException', outcome: 'refused', decidedBy: 'signature', facts: { sigv4Failure: 'signature-mismatch', signedHeaders: ['host', 'x-amz-date'] } },
      // refused without facts: kept as bytes, the deciding check too
      { ...ANSWERED, status: 429, errorName: 'ThrottlingException', outcome: 'refused', decidedBy: 'crypto' },
      // non-ASCII and long strings do not fit a slot
      { ...ANSWERED, kmsRequestId: 'réquest-ü-∑-😀' },
      { ...ANSWERED, kmsRequestId: 'x'.repeat(254) },
      { ...ANSWERED, kmsRequestId: 'y'.repeat(4000) },
      { ...ANSWERED, kmsRequestId: 'a'.repeat(100), kmsOperation: 'b'.repeat(100), externalKeyId: 'c'.repeat(100) },
      // a status no slot field holds (never sent by Node, but the observer must not throw)
      { ...ANSWERED, status: 70000 },
      { ...ANSWERED, status: -1 },
    ];
    assert.deepEqual(roundTrip(entries), entries.map(toDecisionRecord));
  });

  it('a slot reused by a shorter record, or by an object after bytes (and back), shows only the newer record', () => {
    const long = { ...ANSWERED, kmsRequestId: 'l'.repeat(120), externalKeyId: 'k'.repeat(60) };
    const withFacts: DecisionEntry = { ...ANSWERED, status: 400, outcome: 'refused', decidedBy: 'body', errorName: 'ValidationException', facts: { errorMessage: 'bad' } };
    const short = { ...ANSWERED, kmsRequestId: 's', externalKeyId: 'k' };
    const log = createDecisionLog(1);
    for (const e of [long, withFacts, short, withFacts, long]) {
      log.record(e);
      assert.deepEqual(log.recent(5), [toDecisionRecord(e)]);
    }
    assert.deepEqual(log.stats(), { capacity: 1, size: 1, recorded: 5 });
  });

  it('the ring wraps many times with a mix of both kinds and keeps exactly the newest records', () => {
    const capacity = 7;
    const log = createDecisionLog(capacity);
    const all: DecisionEntry[] = [];
    for (let i = 0; i < 100; i++) {
      const e: DecisionEntry = i % 3 === 0 ? { ...ANSWERED, kmsRequestId: `r${i}`, outcome: 'refused', status: 400, facts: { n: i } } : { ...ANSWERED, kmsRequestId: `r${i}`, atMs: ANSWERED.atMs + i };
      all.push(e);
      log.record(e);
    }
    assert.deepEqual(log.recent(capacity), all.slice(-capacity).reverse().map(toDecisionRecord));
    assert.deepEqual(log.find('r99'), [toDecisionRecord(all[99] as DecisionEntry)]);
    assert.deepEqual(log.find('r92'), []);
  });
});
