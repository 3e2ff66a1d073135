/**
 * `xks probe`: a health verdict for load balancers, Docker HEALTHCHECK, Kubernetes exec probes, Nagios-style
 * monitors and Prometheus. Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (unusable arguments).
 */
import type { Command } from 'commander';
import { escapeControl } from '../logging/escape-control.js';
import type { CliContext } from './cli-context.js';
import { addEndpointOptions, integerArgument, resolveEndpointOptions, type EndpointOptions } from './endpoint-options.js';
import { formatProbeLine, formatProbePrometheus } from '../probe/format-probe.js';
import { PROBE_EXIT_CODES, runProbe, type ProbeInputs, type ProbeResult } from '../probe/run-probe.js';

interface ProbeOptions extends EndpointOptions {
  keyId?: string;
  timeoutMs: number;
  warnMs: number;
  certWarnDays: number;
  json?: boolean;
  format: string;
  watch?: number;
}

const FORMATS = ['text', 'json', 'prometheus'];

export function registerProbeCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('probe')
    .description('one signed GetHealthStatus (and optionally a key round trip): exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN');
  // Unusable arguments (unknown option, bad number) get this command's own exit code, not 1.
  command.exitOverride((err) => {
    if (err.exitCode === 0) return; // --help: commander exits 0 itself
    ctx.setExitCode?.(PROBE_EXIT_CODES.UNKNOWN);
    throw err;
  });
  addEndpointOptions(command)
    .option('--key-id <id>', 'a test key: also GetKeyMetadata and an Encrypt/Decrypt round trip')
    .option('--timeout-ms <ms>', 'no answer within this is CRITICAL', integerArgument('--timeout-ms', 1, 600_000), 2000)
    .option('--warn-ms <ms>', 'a call slower than this is a WARNING (KMS allows 250 ms)', integerArgument('--warn-ms', 1, 600_000), 250)
    .option('--cert-warn-days <days>', 'a certificate expiring within this many days is a WARNING', integerArgument('--cert-warn-days', 0, 3650), 30)
    .option('--json', 'print the result as JSON (same as --format json)')
    .option('--format <format>', `output: ${FORMATS.join(', ')}`, 'text')
    .option('--watch <seconds>', 'repeat every SECONDS until stopped; the exit code is the last verdict\'s', integerArgument('--watch', 1, 86_400))
    .action(async (o: ProbeOptions) => {
      const format = o.json === true ? 'json' : o.format;
      const problems: string[] = [];
      if (!FORMATS.includes(format)) problems.push(`--format must be one of ${FORMATS.join(', ')}, got ${format}`);
      const endpoint = resolveEndpointOptions(ctx, o, problems);
      if (endpoint === undefined || problems.length > 0) {
        ctx.stdout.write(`XKS UNKNOWN - ${escapeControl(problems.join('; '))}\n`);
        ctx.setExitCode?.(PROBE_EXIT_CODES.UNKNOWN);
        return;
      }
      const inputs: ProbeInputs = {
        ...endpoint,
        ...(o.keyId !== undefined && { keyId: o.keyId }),
        timeoutMs: o.timeoutMs,
        warnMs: o.warnMs,
        certWarnDays: o.certWarnDays,
      };
      const print = (r: ProbeResult): void => {
        if (format === 'json') ctx.stdout.write(`${JSON.stringify(r)}\n`);
        else if (format === 'prometheus') ctx.stdout.write(formatProbePrometheus(r));
        else ctx.stdout.write(`${formatProbeLine(r, o.warnMs)}\n`);
        ctx.setExitCode?.(r.exitCode);
      };
      if (o.watch === undefined) {
        print(await runProbe(inputs));
        return;
      }
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      let wake: (() => void) | undefined;
      void ctx.stopSignal.then(() => {
        stopped = true;
        clearTimeout(timer);
        wake?.();
      });
      while (!stopped) {
        print(await runProbe(inputs));
        if (stopped) break;
        await new Promise<void>((r) => {
          wake = r;
          timer = setTimeout(r, (o.watch ?? 1) * 1000);
        });
      }
    });
}
