import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CaseFailure, expectError } from '../../../src/check/check-case.js';
import { percentile } from '../../../src/check/cases/latency-cases.js';
import { formatJunit, formatTable } from '../../../src/check/format-report.js';
import type { CheckReport } from '../../../src/check/run-check.js';
import { ALL_CASES } from '../../../src/check/run-check.js';
import type { XksTransportResult } from '../../../src/xks-client/xks-transport.js';

const answer = (status: number, body: unknown): XksTransportResult => ({ kind: 'response', status, body: typeof body === 'string' ? body : JSON.stringify(body), elapsedMs: 1 });

test('expectError: errorName and status must both match; the message must be < 512 printable ASCII (spec A10, C47)', () => {
  assert.equal(expectError(answer(401, { errorName: 'AuthenticationFailedException', errorMessage: 'no' }), ['AuthenticationFailedException'], 'x'), '401 AuthenticationFailedException');
  const refused: [XksTransportResult, RegExp][] = [
    [answer(400, { errorName: 'AuthenticationFailedException' }), /got HTTP 400 AuthenticationFailedException/],
    [answer(200, { fine: true }), /got HTTP 200 \(no errorName\)/],
    [answer(401, 'Unauthorized'), /non-JSON body/],
    [answer(401, { errorName: 'AuthenticationFailedException', errorMessage: 'x'.repeat(512) }), /printable ASCII/],
    [answer(401, { errorName: 'AuthenticationFailedException', errorMessage: 'caf\u00e9' }), /printable ASCII/],
    [{ kind: 'failure', phase: 'tcp', detail: 'ECONNRESET', elapsedMs: 1 }, /tcp failure: ECONNRESET/],
  ];
  for (const [result, message] of refused) {
    assert.throws(() => expectError(result, ['AuthenticationFailedException'], 'x'), (e: unknown) => e instanceof CaseFailure && message.test(e.message));
  }
});

test('percentile: nearest rank (p99 of 20 samples is the largest, p50 the 10th)', () => {
  const s = Array.from({ length: 20 }, (_, i) => i + 1);
  assert.equal(percentile(s, 50), 10);
  assert.equal(percentile(s, 99), 20);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('every case: a unique id, at least one clause, a level; ids are what --only and the docs use', () => {
  const ids = ALL_CASES.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const c of ALL_CASES) {
    assert.match(c.id, /^[a-z0-9]+\.[a-z0-9-]+$/, c.id);
    assert.ok(c.clauses.length > 0 && c.clauses.every((k) => /^[ABC]\d{1,2}$/.test(k)), c.id);
    assert.ok(c.level === 'MUST' || c.level === 'SHOULD');
  }
});

test('report formats: table summary and JUnit (failure, skipped, warning, XML escaping)', () => {
  const report: CheckReport = {
    endpoint: 'https://xks.example.com',
    uriPath: '/kms/xks/v1',
    startedAt: '2026-11-29T10:00:00.000Z',
    durationMs: 1500,
    passed: false,
    counts: { pass: 1, fail: 1, warn: 1, skip: 1 },
    results: [
      { id: 'a.pass', title: 'ok', clauses: ['A1'], level: 'MUST', status: 'pass', detail: 'fine', durationMs: 3 },
      { id: 'b.fail', title: 'bad <tag> & "quote"', clauses: ['A5', 'C27'], level: 'MUST', status: 'fail', detail: 'expected <x>', durationMs: 4 },
      { id: 'c.warn', title: 'should', clauses: ['C70'], level: 'SHOULD', status: 'warn', detail: 'meh', durationMs: 5 },
      { id: 'd.skip', title: 'skipped', clauses: ['A13'], level: 'MUST', status: 'skip', detail: 'no input', durationMs: 0 },
    ],
  };
  const table = formatTable(report);
  assert.match(table, /^FAIL {2}MUST {3}b\.fail +A5,C27 +expected <x>$/m);
  assert.match(table, /1 passed, 1 failed, 1 warnings, 1 skipped in 1\.5 s: FAILED \(a MUST case failed\)/);
  const xml = formatJunit(report);
  assert.match(xml, /<testsuite name="xks check" tests="4" failures="1" skipped="1"/);
  assert.match(xml, /name="b\.fail \[MUST A5,C27\] bad &lt;tag&gt; &amp; &quot;quote&quot;"/);
  assert.match(xml, /<failure message="expected &lt;x&gt;"\/>/);
  assert.match(xml, /<skipped message="no input"\/>/);
  assert.match(xml, /<system-out>WARNING \(SHOULD\): meh<\/system-out>/);
});
