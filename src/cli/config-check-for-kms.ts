/**
 * `xks config check --for-kms`: the production checklist (docs/deploy-for-kms.md). Exit 1 when any point fails,
 * 0 otherwise (warnings included); the report goes to stdout as text or, with --format json, as JSON.
 */
import { checkForKms } from '../check/for-kms/check-for-kms.js';
import { formatForKmsReport } from '../check/for-kms/format-for-kms.js';
import { REGION_PATTERN } from '../proxy/config/config-schema.js';
import type { ProxyConfig } from '../proxy/config/load-config.js';
import type { CliContext } from './cli-context.js';

export interface ForKmsCliOptions {
  readonly endpoint?: string;
  readonly region?: string;
  readonly format: string;
}

export function runConfigCheckForKms(ctx: CliContext, config: ProxyConfig, options: ForKmsCliOptions): void {
  if (options.format !== 'text' && options.format !== 'json') throw new Error(`--format must be text or json, got ${options.format}`);
  if (options.region !== undefined && !REGION_PATTERN.test(options.region)) throw new Error(`--region must be a Region name such as eu-west-1, got ${options.region}`);
  const report = checkForKms(config, {
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.region !== undefined && { region: options.region }),
  });
  ctx.stdout.write(options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatForKmsReport(report));
  ctx.setExitCode?.(report.passed ? 0 : 1);
}
