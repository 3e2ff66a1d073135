/** How CLI commands reach a running proxy's loopback admin listener (`xks status`, `xks explain`). */
import type { DecisionRecord } from '../explain/decision-log.js';
import type { CliContext } from './cli-context.js';
import { resolveConfig } from './resolve-config.js';

/** --url, else admin.host/port of the configuration (--config, $XKS_CONFIG, else the dev default). */
export function resolveAdminUrl(ctx: CliContext, options: { config?: string; url?: string }): string {
  if (options.url !== undefined) return options.url.replace(/\/+$/, '');
  const { config } = resolveConfig(ctx, options.config, true);
  if (config.admin === undefined) throw new Error('the configuration has no admin listener (admin.host/admin.port); pass --url');
  return `http://${config.admin.host.includes(':') ? `[${config.admin.host}]` : config.admin.host}:${config.admin.port}`;
}

/** GET a JSON document from the admin listener; errors name the URL and the cause. `accept404` returns undefined. */
export async function fetchAdminJson(url: string, options: { accept404?: boolean; timeoutMs?: number } = {}): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
  } catch (error) {
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new Error(`cannot reach the proxy admin listener at ${url}: ${cause}`);
  }
  if (response.status === 404 && options.accept404 === true) return undefined;
  if (!response.ok) throw new Error(`the proxy admin listener at ${url} answered ${response.status}`);
  return (await response.json()) as unknown;
}

/** The console's view of a proxy's decisions through its admin listener (`xks kms --proxy-admin-url`). */
export function createAdminExplainer(adminUrl: string): (kmsRequestId: string) => Promise<readonly DecisionRecord[]> {
  const base = adminUrl.replace(/\/+$/, '');
  return async (kmsRequestId) => {
    const body = (await fetchAdminJson(`${base}/decisions/${encodeURIComponent(kmsRequestId)}`, { accept404: true, timeoutMs: 2000 })) as { decisions: DecisionRecord[] } | undefined;
    return body?.decisions ?? [];
  };
}
