import type { Command } from 'commander';
import type { ProxyStatus } from '../admin/proxy-status.js';
import type { CliContext } from './cli-context.js';
import { resolveConfig } from './resolve-config.js';

/** Render the admin listener's status for a human. */
export function formatStatus(status: ProxyStatus): string {
  const lines = [`configuration ${status.configSource} (loaded ${status.loadedAt}, ${status.loadReason})`];
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
    for (const c of store.credentials) {
      lines.push(`  credential ${c.accessKeyId}  last used ${c.lastUsedAt ?? 'never'}  requests ${c.requestCount ?? 0}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The cause of a failed fetch in words: Node puts the system error (ECONNREFUSED...) in `cause`. */
function describeFetchFailure(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer within 5 s';
  if (code === 'ECONNREFUSED') return 'connection refused (is the proxy running, with its admin listener on this port?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  return cause instanceof Error ? `${code === undefined ? '' : `${code}: `}${cause.message}` : String(cause);
}

/** GET the admin listener's /status; every failure names the URL and the cause. */
export async function fetchProxyStatus(statusUrl: string): Promise<ProxyStatus> {
  let response: Response;
  try {
    response = await fetch(statusUrl, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new Error(`cannot read ${statusUrl}: ${describeFetchFailure(error)}`);
  }
  if (!response.ok) throw new Error(`${statusUrl} answered HTTP ${response.status}: is this the admin listener of an xks proxy (admin.port)?`);
  try {
    return (await response.json()) as ProxyStatus;
  } catch {
    throw new Error(`${statusUrl} did not answer JSON: is this the admin listener of an xks proxy (admin.port)?`);
  }
}

export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description("show a running proxy's state (key stores, health, credential use) from its loopback admin listener")
    .option('-c, --config <file>', 'configuration file naming admin.host/port; default: $XKS_CONFIG, else the dev default')
    .option('--url <url>', 'admin listener URL (overrides the configuration), e.g. http://127.0.0.1:7701')
    .option('--json', 'print the raw JSON')
    .action(async (options: { config?: string; url?: string; json?: boolean }) => {
      let url = options.url;
      if (url === undefined) {
        const { config } = resolveConfig(ctx, options.config, true);
        if (config.admin === undefined) throw new Error('the configuration has no admin listener (admin.host/admin.port); pass --url');
        url = `http://${config.admin.host.includes(':') ? `[${config.admin.host}]` : config.admin.host}:${config.admin.port}`;
      }
      const status = await fetchProxyStatus(`${url.replace(/\/+$/, '')}/status`);
      ctx.stdout.write(options.json === true ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    });
}
