/**
 * `xks check`: run the conformance cases (spec Part A, Part C) against any XKS proxy. Exit 0 only when every
 * MUST case passes; SHOULD findings are warnings; cases whose inputs are missing are skipped and say why.
 * Exit 2 when the arguments are unusable (nothing was checked).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CheckInputs } from '../check/check-context.js';
import { formatJunit, formatResultLine, formatSummary } from '../check/format-report.js';
import { KMS_CALL_BUDGET_MS } from '../check/cases/latency-cases.js';
import { ALL_CASES, casesForKms, runCheck } from '../check/run-check.js';
import { ACCESS_KEY_ID_PATTERN } from '../proxy/config/config-schema.js';
import type { CliContext } from './cli-context.js';
import { addEndpointOptions, integerArgument, readSecret, resolveEndpointOptions, type EndpointOptions } from './endpoint-options.js';

interface CheckOptions extends EndpointOptions {
  keyId?: string;
  encryptOnlyKey?: string;
  decryptOnlyKey?: string;
  keyWithoutUsage?: string;
  disabledKey?: string;
  secondAccessKeyId?: string;
  secondSecretFile?: string;
  secondSecretEnv?: string;
  timeoutMs: number;
  latencySamples: number;
  latencyBudgetMs: number;
  only: string[];
  json?: boolean;
  junit?: string;
  list?: boolean;
  forKms?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerCheckCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('check')
    .description('check any XKS proxy against the spec (Part A, Part C): positive and negative cases, TLS, latency; exit 0 only when every MUST passes');
  // Unusable arguments (unknown option, bad number) get this command's own exit code, not 1.
  command.exitOverride((err) => {
    if (err.exitCode === 0) return; // --help: commander exits 0 itself
    ctx.setExitCode?.(2);
    throw err;
  });
  addEndpointOptions(command)
    .option('--key-id <id>', 'an external key with ENCRYPT and DECRYPT, enabled')
    .option('--encrypt-only-key <id>', 'an external key with ENCRYPT only (key-usage cases)')
    .option('--decrypt-only-key <id>', 'an external key with DECRYPT only')
    .option('--key-without-usage <id>', 'an external key with no usage')
    .option('--disabled-key <id>', 'a disabled external key')
    .option('--second-access-key-id <id>', 'a second live credential of the key store (rotation, spec A12)')
    .option('--second-secret-file <file>', 'file holding the second secret')
    .option('--second-secret-env <name>', 'environment variable holding the second secret')
    .option('--timeout-ms <ms>', 'limit per call for the functional cases', integerArgument('--timeout-ms', 1, 600_000), 5000)
    .option('--latency-samples <n>', 'calls per operation for the latency cases', integerArgument('--latency-samples', 1, 10_000), 20)
    .option(
      '--latency-budget-ms <ms>',
      `the latency cases' budget (default ${KMS_CALL_BUDGET_MS}: KMS's, spec A16); larger only to check a proxy's answers from a loaded test machine`,
      integerArgument('--latency-budget-ms', 1, 600_000),
      KMS_CALL_BUDGET_MS,
    )
    .option('--only <prefix>', 'run only cases whose id starts with this (repeatable), e.g. --only tls. --only encrypt.round-trip', collect, [])
    .option('--json', 'print the report as JSON on stdout (progress on stderr)')
    .option('--junit <file>', 'also write a JUnit XML report')
    .option('--list', 'list the cases (id, level, clauses, title) and exit')
    .option('--for-kms', 'what real AWS KMS enforces: tls.public-ca (a CA on KMS\'s trusted list) becomes a MUST, so a dev or private CA fails')
    .action(async (o: CheckOptions) => {
      const all = o.forKms === true ? casesForKms(ALL_CASES) : ALL_CASES;
      const cases = o.only.length === 0 ? all : all.filter((c) => o.only.some((p) => c.id.startsWith(p)));
      if (o.list === true) {
        for (const c of all) ctx.stdout.write(`${c.id.padEnd(34)} ${c.level.padEnd(6)} ${c.clauses.join(',').padEnd(18)} ${c.title}\n`);
        return;
      }
      const problems: string[] = [];
      if (cases.length === 0) problems.push(`--only ${o.only.join(' ')} matches no case (see --list)`);
      if (o.keyId === undefined) problems.push('--key-id is required');
      const endpoint = resolveEndpointOptions(ctx, o, problems);
      let secondCredential: CheckInputs['secondCredential'];
      if (o.secondAccessKeyId !== undefined) {
        if (!ACCESS_KEY_ID_PATTERN.test(o.secondAccessKeyId)) problems.push('--second-access-key-id must be 20-30 chars of A-Z2-7');
        const secret = readSecret(ctx, o.secondSecretFile, o.secondSecretEnv ?? (o.secondSecretFile === undefined ? 'XKS_SECOND_SECRET_ACCESS_KEY' : undefined), 'second-secret', problems);
        if (secret !== undefined) secondCredential = { accessKeyId: o.secondAccessKeyId, secretAccessKey: secret };
      }
      if (endpoint === undefined || o.keyId === undefined || problems.length > 0) {
        ctx.stderr.write(`xks check: cannot run:\n- ${problems.join('\n- ')}\n`);
        ctx.setExitCode?.(2);
        return;
      }
      const inputs: CheckInputs = {
        ...endpoint,
        keyId: o.keyId,
        ...(o.encryptOnlyKey !== undefined && { encryptOnlyKeyId: o.encryptOnlyKey }),
        ...(o.decryptOnlyKey !== undefined && { decryptOnlyKeyId: o.decryptOnlyKey }),
        ...(o.keyWithoutUsage !== undefined && { noUsageKeyId: o.keyWithoutUsage }),
        ...(o.disabledKey !== undefined && { disabledKeyId: o.disabledKey }),
        ...(secondCredential !== undefined && { secondCredential }),
        timeoutMs: o.timeoutMs,
        latencySamples: o.latencySamples,
        latencyBudgetMs: o.latencyBudgetMs,
      };
      // The table is printed line by line as cases finish (the progress display); with --json progress goes to stderr.
      const progress = o.json === true ? ctx.stderr : ctx.stdout;
      progress.write(`xks check ${inputs.endpoint}${inputs.uriPath} (${cases.length} cases)\n`);
      const report = await runCheck(inputs, {
        cases,
        onProgress: ({ index, total, result }) => {
          if (result !== undefined) progress.write(`[${String(index + 1).padStart(2)}/${total}] ${formatResultLine(result)}\n`);
        },
      });
      if (o.json === true) ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else ctx.stdout.write(`${formatSummary(report)}\n`);
      if (o.junit !== undefined) writeFileSync(resolve(ctx.cwd, o.junit), formatJunit(report));
      ctx.setExitCode?.(report.passed ? 0 : 1);
    });
}


