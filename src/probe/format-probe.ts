/**
 * `xks probe` output: one Nagios-style text line (with performance data), JSON, or Prometheus text format. Fleet
 * ids and failure details come from the proxy: escaped (issue 21), so the Nagios output stays one line and a `|`
 * of the proxy's cannot start forged performance data.
 */
import { escapeControl } from '../logging/escape-control.js';
import type { ProbeResult } from './run-probe.js';

/** `XKS OK - <summary> | GetHealthStatus=3ms;250` (Nagios plugin output: text, then perfdata after `|`). */
export function formatProbeLine(r: ProbeResult, warnMs: number): string {
  const fleet = r.fleet === undefined ? '' : `fleet ${r.fleet.map((f) => `${f.id}=${f.healthStatus}`).join(',')}`;
  const summary = r.reasons.length > 0 ? r.reasons.join('; ') : [fleet, r.certificate === undefined ? '' : `certificate ${r.certificate.daysLeft} days left`].filter((s) => s !== '').join(', ');
  const perf = Object.entries(r.latencyMs).map(([op, ms]) => `${op}=${ms}ms;${warnMs}`);
  return `XKS ${r.status} - ${nagiosText(`${r.endpoint}: ${summary}`)}${perf.length > 0 ? ` | ${perf.join(' ')}` : ''}`;
}

/** Nagios plugin text: one line, and no `|` (the plugin API reads what follows the first `|` as performance data). */
function nagiosText(text: string): string {
  return escapeControl(text).replaceAll('|', '\\x7c');
}

/** A label value: control characters as visible escapes first, then the format's own escapes (\\ and \"). */
function label(value: string): string {
  return escapeControl(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/**
 * Prometheus text exposition format (for node_exporter's textfile collector, or a blackbox-style scrape of the
 * probe's output). One sample set per probe; the endpoint is a label.
 */
export function formatProbePrometheus(r: ProbeResult): string {
  const ep = `endpoint="${label(r.endpoint)}"`;
  const lines = [
    '# HELP xks_probe_success 1 when the probe verdict is OK or WARNING, 0 when CRITICAL or UNKNOWN.',
    '# TYPE xks_probe_success gauge',
    `xks_probe_success{${ep}} ${r.status === 'OK' || r.status === 'WARNING' ? 1 : 0}`,
    '# HELP xks_probe_status Probe verdict as its exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.',
    '# TYPE xks_probe_status gauge',
    `xks_probe_status{${ep}} ${r.exitCode}`,
    '# HELP xks_probe_duration_seconds Duration of each signed call of the probe.',
    '# TYPE xks_probe_duration_seconds gauge',
    ...Object.entries(r.latencyMs).map(([op, ms]) => `xks_probe_duration_seconds{${ep},operation="${label(op)}"} ${ms / 1000}`),
    '# HELP xks_probe_ekm_health_status 1 for the healthStatus each key manager reports (spec A7).',
    '# TYPE xks_probe_ekm_health_status gauge',
  ];
  for (const f of r.fleet ?? []) {
    for (const s of ['ACTIVE', 'DEGRADED', 'UNAVAILABLE']) lines.push(`xks_probe_ekm_health_status{${ep},id="${label(f.id)}",status="${s}"} ${f.healthStatus === s ? 1 : 0}`);
  }
  if (r.certificate !== undefined) {
    lines.push(
      '# HELP xks_probe_certificate_expiry_timestamp_seconds notAfter of the proxy\'s TLS certificate.',
      '# TYPE xks_probe_certificate_expiry_timestamp_seconds gauge',
      `xks_probe_certificate_expiry_timestamp_seconds{${ep}} ${Math.floor(Date.parse(r.certificate.validTo) / 1000)}`,
    );
  }
  lines.push('# HELP xks_probe_timestamp_seconds When the probe ran.', '# TYPE xks_probe_timestamp_seconds gauge', `xks_probe_timestamp_seconds{${ep}} ${Math.floor(Date.parse(r.checkedAt) / 1000)}`);
  return `${lines.join('\n')}\n`;
}
