import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadPolicyFile } from '../proxy/authz/load-policy.js';
import { AUTHZ_FIELDS, evaluatePolicy, PolicyError, type AuthorizationRequest } from '../proxy/authz/policy.js';
import type { CliContext } from './cli-context.js';

/** A sample request file: an XKS request body, plus the route's `operation` and `externalKeyId` if the policy tests them. */
export function parseSampleRequest(raw: unknown): AuthorizationRequest {
  if (typeof raw !== 'object' || raw === null) throw new Error('the request file must hold a JSON object');
  const top = raw as Record<string, unknown>;
  const metadata = typeof top.requestMetadata === 'object' && top.requestMetadata !== null ? (top.requestMetadata as Record<string, unknown>) : {};
  const request: AuthorizationRequest = {};
  for (const field of AUTHZ_FIELDS) {
    const value = field === 'operation' || field === 'externalKeyId' ? top[field] : metadata[field];
    if (typeof value === 'string') request[field] = value;
  }
  return request;
}

/** `xks authz test`: the decision and the deciding rule for a sample request, without a server. */
export function registerAuthzCommand(program: Command, ctx: CliContext): void {
  const authz = program.command('authz').description('secondary authorization policies (spec A14)');
  authz
    .command('test')
    .description('print the decision and the deciding rule for a sample request; exit 0 = allow, 2 = deny, 1 = error')
    .requiredOption('--policy <file>', 'policy file (JSON)')
    .requiredOption('--request <file>', 'sample request: {"operation"?, "externalKeyId"?, "requestMetadata": {...}}')
    .option('--operation <name>', 'XKS operation (GetKeyMetadata, Encrypt, Decrypt); overrides the file')
    .option('--key-id <id>', 'externalKeyId; overrides the file')
    .option('--json', 'print {decision, rule, ruleIndex, request} as JSON')
    .action((options: { policy: string; request: string; operation?: string; keyId?: string; json?: boolean }) => {
      let policy;
      try {
        policy = loadPolicyFile(resolve(ctx.cwd, options.policy));
      } catch (error) {
        if (error instanceof PolicyError) throw new Error(error.message);
        throw error;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(resolve(ctx.cwd, options.request), 'utf8'));
      } catch (error) {
        throw new Error(`cannot read the request file ${options.request}: ${(error as Error).message}`);
      }
      const request = {
        ...parseSampleRequest(raw),
        ...(options.operation !== undefined && { operation: options.operation }),
        ...(options.keyId !== undefined && { externalKeyId: options.keyId }),
      };
      const result = evaluatePolicy(policy, request);
      if (options.json === true) ctx.stdout.write(`${JSON.stringify({ ...result, request })}\n`);
      else ctx.stdout.write(`${result.decision} by ${result.ruleIndex === undefined ? 'the policy default' : `rule ${result.rule} (rules[${result.ruleIndex}])`}\n`);
      if (result.decision === 'deny') {
        if (ctx.setExitCode === undefined) process.exitCode = 2;
        else ctx.setExitCode(2);
      }
    });
}
