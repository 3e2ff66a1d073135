import type { Command } from 'commander';
import type { ProxyStatus } from '../proxy/admin/proxy-status.js';
import { escapeControlDeep } from '../logging/escape-control.js';
import type { CliContext } from './cli-context.js';
import { fetchAdminJson, resolveAdminUrl } from './admin-client.js';

/**
 * Render the admin listener's status for a human. Every string is escaped for the terminal first (issue 21): the
 * status holds file names, reload problems and a proxy's last errors.
 */
export function formatStatus(raw: ProxyStatus): string {
  const status = escapeControlDeep(raw);
  const lines = [`configuration ${status.configSource} (loaded ${status.loadedAt}, ${status.loadReason})`];
  const rejected = status.rejectedReload;
  if (rejected !== undefined) {
    lines.push(`RELOAD REJECTED at ${rejected.at} (${rejected.reason}); the configuration above keeps serving:`, ...rejected.problems.map((p) => `  problem: ${p}`));
  }
  // xks serve --workers N: one line per worker, then its key stores' health (the fields below merge the workers).
  for (const w of status.workers ?? []) {
    lines.push(`worker ${w.id} pid ${w.pid} started ${w.startedAt} restarts ${w.restarts}${w.error === undefined ? '' : `  NOT ANSWERING: ${w.error}`}`);
    for (const store of w.status?.keyStores ?? []) {
      const h = store.healthCheck;
      lines.push(`  key store ${store.name}  health ${store.health}  keys ${store.keys}${h?.checkedAt === undefined ? '' : `  checked ${h.checkedAt}`}`);
    }
  }
  for (const store of status.keyStores) {
    lines.push(`key store ${store.name}  ${store.uriPath}  health ${store.health}  keys ${store.keys}`);
    if (store.blocked !== undefined) {
      lines.push(`  BLOCKED by ${store.blocked.by} at ${store.blocked.at}${store.blocked.reason === undefined ? '' : `: ${store.blocked.reason}`}`);
    }
    for (const k of store.disabledKeys ?? []) {
      lines.push(`  key ${k.externalKeyId} DISABLED by configuration${k.by === undefined ? '' : ` (${k.by}${k.at === undefined ? '' : ` at ${k.at}`})`}${k.reason === undefined ? '' : `: ${k.reason}`}`);
    }
    const h = store.healthCheck;
    if (h !== undefined) {
      const age = h.cacheAgeMs === undefined ? 'never checked' : `checked ${h.checkedAt} (${(h.cacheAgeMs / 1000).toFixed(1)} s ago, round trip ${h.durationMs} ms)`;
      lines.push(`  health check ${h.healthStatus}  ${age}${h.reasons.length > 0 ? `  because: ${h.reasons.join('; ')}` : ''}`);
      lines.push(`  health check last error: ${h.lastError === undefined ? 'none' : `${h.lastError} (at ${h.lastErrorAt})`}`);
    }
    for (const p of store.keyFileProblems) lines.push(`  key file problem: ${p.file}: ${p.message}`);
    for (const k of store.servedFromMemory ?? []) {
      lines.push(`  key ${k.externalKeyId} SERVED FROM MEMORY since ${k.since} (last good version; ${k.file} is unreadable or invalid)`);
    }
    for (const c of store.credentials) {
      lines.push(`  credential ${c.accessKeyId}  last used ${c.lastUsedAt ?? 'never'}  requests ${c.requestCount ?? 0}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description("show a running proxy's state (key stores, health, credential use) from its loopback admin listener")
    .option('-c, --config <file>', 'configuration file naming admin.host/port; default: $XKS_CONFIG, else the dev default')
    .option('--url <url>', 'admin listener URL (overrides the configuration), e.g. http://127.0.0.1:7701')
    .option('--json', 'print the raw JSON')
    .action(async (options: { config?: string; url?: string; json?: boolean }) => {
      const status = (await fetchAdminJson(`${resolveAdminUrl(ctx, options)}/status`)) as ProxyStatus;
      ctx.stdout.write(options.json === true ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    });
}
