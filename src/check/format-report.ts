/**
 * `xks check` output: a readable table, JSON, and JUnit XML for CI systems. The table shows what a proxy answered
 * (error names, messages, fleet ids): every string is escaped for the terminal (issue 21), and one case stays one
 * line.
 */
import { escapeControl } from '../logging/escape-control.js';
import type { CaseResult } from './check-case.js';
import type { CheckReport } from './run-check.js';

const MARK: Readonly<Record<CaseResult['status'], string>> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };

/** One line per case as it finishes (the progress display prints these). */
export function formatResultLine(r: CaseResult, width = 34): string {
  return `${MARK[r.status]}  ${r.level.padEnd(6)} ${escapeControl(r.id).padEnd(width)} ${r.clauses.join(',').padEnd(18)} ${escapeControl(r.detail)}`;
}

export function formatSummary(report: CheckReport): string {
  const { pass, fail, warn, skip } = report.counts;
  const verdict = report.passed ? (warn > 0 ? 'PASSED with warnings (SHOULD findings)' : 'PASSED') : 'FAILED (a MUST case failed)';
  return `${pass} passed, ${fail} failed, ${warn} warnings, ${skip} skipped in ${(report.durationMs / 1000).toFixed(1)} s: ${verdict}`;
}

export function formatTable(report: CheckReport): string {
  const width = Math.max(...report.results.map((r) => r.id.length), 10);
  const header = `${'RESULT'} ${'LEVEL'.padEnd(6)} ${'CASE'.padEnd(width)} ${'CLAUSES'.padEnd(18)} DETAIL`;
  return [`xks check ${escapeControl(`${report.endpoint}${report.uriPath}`)}`, header, ...report.results.map((r) => formatResultLine(r, width)), formatSummary(report)].join('\n') + '\n';
}

function xml(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '?').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JUnit XML: one testcase per case; MUST failures are <failure>, SHOULD findings are <system-out> warnings. */
export function formatJunit(report: CheckReport): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite name="xks check" tests="${report.results.length}" failures="${report.counts.fail}" skipped="${report.counts.skip}" time="${(report.durationMs / 1000).toFixed(3)}" timestamp="${report.startedAt}">`,
  ];
  for (const r of report.results) {
    const name = xml(`${r.id} [${r.level} ${r.clauses.join(',')}] ${r.title}`);
    lines.push(`  <testcase classname="xks.check.${xml(r.id.split('.')[0] ?? 'case')}" name="${name}" time="${(r.durationMs / 1000).toFixed(3)}">`);
    if (r.status === 'fail') lines.push(`    <failure message="${xml(r.detail)}"/>`);
    if (r.status === 'skip') lines.push(`    <skipped message="${xml(r.detail)}"/>`);
    if (r.status === 'warn') lines.push(`    <system-out>WARNING (SHOULD): ${xml(r.detail)}</system-out>`);
    lines.push('  </testcase>');
  }
  lines.push('</testsuite>');
  return `${lines.join('\n')}\n`;
}
