import type { ForKmsReport } from './check-for-kms.js';

const LABEL = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

/** The checklist as text: one line per point; for warn and fail, why and how to fix on the next lines. */
export function formatForKmsReport(report: ForKmsReport): string {
  const width = Math.max(...report.points.map((p) => p.id.length));
  const lines = [`production checklist for AWS KMS: ${report.source}`];
  for (const p of report.points) {
    lines.push(`${LABEL[p.status]}  ${p.id.padEnd(width)}  ${p.what}`);
    if (p.status !== 'ok') lines.push(`      why: ${p.why}`, `      fix: ${p.fix ?? ''}`);
  }
  const { ok, warn, fail } = report.counts;
  lines.push(`${ok} ok, ${warn} warn, ${fail} fail: ${fail > 0 ? 'real KMS would refuse this configuration' : warn > 0 ? 'KMS can use it; read the warnings' : 'ready for KMS'}`);
  return `${lines.join('\n')}\n`;
}
