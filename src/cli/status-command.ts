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
  const lines = [`${status.pid === undefined ? '' : `pid ${status.pid}  `}configuration ${status.configSource} (loaded ${status.loadedAt}, ${status.loadReason})`];
  const rejected = status.rejectedReload;
  if (rejected !== undefined) {
    lines.push(`RELOAD REJECTED at ${rejected.at} (${rejected.reason}); the configuration above keeps serving:`, ...rejected.problems.map((p) => `  problem: ${p}`));
  }
  // xks serve --workers N: one line per worker, then its key stores' health (the fields below merge the workers).
  for (const w of status.workers ?? []) {
    lines.push(`worker ${w.id} pid ${w.pid} started ${w.startedAt} restarts ${w.restarts}${w.error === undefined ? '' : `  NOT ANSWERING: ${w.error}`}`);
    for (const store of w.status?.keyStores ?? []) {
      const h = store.healthCheck;
      const b = store.backend;
      lines.push(`  key store ${store.name}  health ${store.health}  ${b?.kind === 'pkcs11' ? `HSM token ${JSON.stringify(b.token)}` : `keys ${store.keys}`}${h?.checkedAt === undefined ? '' : `  checked ${h.checkedAt}`}`);
      // Each worker has its own PKCS#11 sessions (docs/hsm.md "Fleet"): its pool, and why its HSM is unavailable.
      if (b?.kind === 'pkcs11') {
        lines.push(`    PKCS#11 sessions ${b.sessionsInUse ?? 0}/${b.sessionsOpen ?? 0} in use (max ${b.sessionsMax ?? 0}, ${b.waiting ?? 0} waiting); deadline exceeded ${b.deadlineExceeded ?? 0}, device errors ${b.deviceErrors ?? 0}`);
        if (b.unavailableReason !== undefined) lines.push(`    HSM unavailable: ${b.unavailableReason}`);
      }
    }
  }
  for (const store of status.keyStores) {
    const b = store.backend;
    lines.push(`key store ${store.name}  ${store.uriPath}  health ${store.health}  ${b?.kind === 'pkcs11' ? `HSM token ${JSON.stringify(b.token)}` : `keys ${store.keys}`}`);
    if (b?.kind === 'pkcs11') {
      // With --workers: summed over the workers (each opens its own sessions); the worker lines above show each one's.
      lines.push(`  PKCS#11 sessions ${b.sessionsInUse ?? 0}/${b.sessionsOpen ?? 0} in use (max ${b.sessionsMax ?? 0}, ${b.waiting ?? 0} waiting); deadline exceeded ${b.deadlineExceeded ?? 0}, device errors ${b.deviceErrors ?? 0}, re-initialisations ${b.reinitializations ?? 0}`);
      if (b.unavailableReason !== undefined) lines.push(`  HSM unavailable: ${b.unavailableReason}`);
    }
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
    .option('--pid', 'print only the process id to signal (kill -HUP reloads; under npx or npm start, not npm\'s own pid)')
    .action(async (options: { config?: string; url?: string; json?: boolean; pid?: boolean }) => {
      const status = (await fetchAdminJson(`${resolveAdminUrl(ctx, options)}/status`)) as ProxyStatus;
      if (options.pid === true) {
        if (status.pid === undefined) throw new Error('this proxy does not report its pid (an older version)');
        ctx.stdout.write(`${status.pid}\n`);
        return;
      }
      ctx.stdout.write(options.json === true ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    });
}
