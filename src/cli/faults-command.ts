/**
 * `xks faults list|set|clear`: change the fault injection rules of a running proxy through its loopback admin
 * listener (docs/faults.md). The proxy must have been started with `xks serve --allow-faults`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseFaultShorthand, XKS_OPERATIONS, type FaultRule } from '../proxy/faults/fault-rules.js';
import { escapeControl } from '../logging/escape-control.js';
import type { CliContext } from './cli-context.js';
import { resolveAdminUrl } from './admin-client.js';

interface AdminOptions {
  config?: string;
  url?: string;
}

interface SetOptions extends AdminOptions {
  file?: string;
  keyStore?: string;
  key?: string;
  operation: string[];
  probability: string;
  add?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

const adminBase = (ctx: CliContext, o: AdminOptions): string => resolveAdminUrl(ctx, o);

async function call(ctx: CliContext, o: AdminOptions, method: string, body?: unknown): Promise<void> {
  const url = `${adminBase(ctx, o)}/faults`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      signal: AbortSignal.timeout(5000),
      ...(body !== undefined && { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new Error(`cannot reach ${url}: ${cause}`);
  }
  const answer = (await response.json().catch(() => ({}))) as { error?: string; problems?: string[]; described?: string[] };
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}: ${answer.error ?? ''}${answer.problems === undefined ? '' : `\n- ${answer.problems.join('\n- ')}`}`);
  // The rules as the proxy describes them: escaped for the terminal, one rule per line (issue 21).
  const rules = (answer.described ?? []).map((r) => escapeControl(String(r)));
  ctx.stdout.write(rules.length === 0 ? 'no fault rules: the proxy behaves normally\n' : `${rules.map((r, i) => `${i + 1}. ${r}`).join('\n')}\n`);
}

export function registerFaultsCommand(program: Command, ctx: CliContext): void {
  const faults = program.command('faults').description('fault injection of a running proxy started with --allow-faults (docs/faults.md)');
  const adminOptions = (c: Command): Command =>
    c
      .option('-c, --config <file>', 'configuration file naming admin.host/port; default: $XKS_CONFIG, else the dev default')
      .option('--url <url>', 'admin listener URL, e.g. http://127.0.0.1:7701');
  adminOptions(faults.command('list').description('show the rules in force')).action((o: AdminOptions) => call(ctx, o, 'GET'));
  adminOptions(faults.command('clear').description('remove every rule')).action((o: AdminOptions) => call(ctx, o, 'DELETE'));
  adminOptions(
    faults
      .command('set [fault]')
      .description('replace the rules with one rule (FAULT: latency:MS, error:<errorName>, malformed-body, truncated-body, wrong-cdiv, flip-ciphertext-bit, drop-connection, health:DEGRADED) or with --file')
      .option('--file <json>', 'a JSON array of rules (the configuration\'s `faults` syntax)')
      .option('--key-store <name>', 'only this key store')
      .option('--key <externalKeyId>', 'only this external key')
      .option('--operation <op>', `only this operation (repeatable): ${XKS_OPERATIONS.join(', ')}`, collect, [])
      .option('--probability <p>', 'chance per matching request, 0..1', '1')
      .option('--add', 'add to the rules in force instead of replacing them'),
  ).action(async (fault: string | undefined, o: SetOptions) => {
    let rules: unknown;
    if (o.file !== undefined) {
      if (fault !== undefined) throw new Error('give a FAULT or --file, not both');
      rules = JSON.parse(readFileSync(resolve(ctx.cwd, o.file), 'utf8'));
    } else {
      if (fault === undefined) throw new Error('give a FAULT (e.g. error:InternalException, latency:300) or --file');
      const action = parseFaultShorthand(fault);
      if (typeof action === 'string') throw new Error(action);
      const probability = Number(o.probability);
      const rule: Record<string, unknown> = { fault: action, probability: Number.isNaN(probability) ? o.probability : probability };
      if (o.keyStore !== undefined) rule['keyStore'] = o.keyStore;
      if (o.key !== undefined) rule['externalKeyId'] = o.key;
      if (o.operation.length > 0) rule['operations'] = o.operation;
      rules = [rule];
    }
    if (o.add === true) {
      const current = (await (await fetch(`${adminBase(ctx, o)}/faults`, { signal: AbortSignal.timeout(5000) })).json()) as { faults?: FaultRule[] };
      rules = [...(current.faults ?? []), ...(Array.isArray(rules) ? rules : [rules])];
    }
    await call(ctx, o, 'PUT', rules);
  });
}
