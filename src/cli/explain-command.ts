/**
 * `xks explain <kmsRequestId>`: why the proxy answered a request as it did, from the decision log its admin listener
 * keeps (the order of checks, the check that decided, and its facts). Never shows secrets, plaintext or key material.
 */
import type { Command } from 'commander';
import type { DecisionRecord } from '../proxy/explain/decision-log.js';
import { formatDecision } from '../proxy/explain/explain-decision.js';
import { fetchAdminJson, resolveAdminUrl } from './admin-client.js';
import type { CliContext } from './cli-context.js';

interface ExplainOptions {
  config?: string;
  url?: string;
  json?: boolean;
  recent?: string;
}

export function registerExplainCommand(program: Command, ctx: CliContext): void {
  program
    .command('explain')
    .argument('[kmsRequestId]', 'the kmsRequestId KMS (or the emulator) sent; omit with --recent')
    .description('explain why a running proxy answered a request as it did: the order of checks, the deciding check and its facts')
    .option('-c, --config <file>', 'configuration file naming admin.host/port; default: $XKS_CONFIG, else the dev default')
    .option('--url <url>', 'admin listener URL (overrides the configuration), e.g. http://127.0.0.1:7701')
    .option('--recent <n>', 'list the newest N decisions instead (refusals decided before the body arrived have no kmsRequestId)')
    .option('--json', 'print the raw JSON')
    .action(async (kmsRequestId: string | undefined, options: ExplainOptions) => {
      const base = resolveAdminUrl(ctx, options);
      if (kmsRequestId === undefined && options.recent === undefined) throw new Error('give a kmsRequestId, or --recent N');
      const url = kmsRequestId === undefined ? `${base}/decisions?limit=${encodeURIComponent(options.recent ?? '')}` : `${base}/decisions/${encodeURIComponent(kmsRequestId)}`;
      const body = (await fetchAdminJson(url, { accept404: true })) as { decisions: DecisionRecord[] } | undefined;
      if (body === undefined) {
        throw new Error(
          `no decision kept for kmsRequestId ${kmsRequestId ?? ''} at ${base}: the proxy keeps only its most recent decisions since its last start; ` +
            '`xks explain --recent 20` lists them',
        );
      }
      if (options.json === true) {
        ctx.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
        return;
      }
      ctx.stdout.write(body.decisions.map(formatDecision).join('\n'));
    });
}
