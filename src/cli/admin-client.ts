/** How CLI commands reach a running proxy's loopback admin listener (`xks status`, `xks explain`). */
import type { DecisionRecord } from '../proxy/explain/decision-log.js';
import type { CliContext } from './cli-context.js';
import type { ProxyConfig } from '../proxy/config/load-config.js';
import { resolveConfig } from './resolve-config.js';

/** The admin listener's URL of a configuration, or undefined when it has none. */
export function adminUrlOf(config: ProxyConfig): string | undefined {
  const a = config.admin;
  return a === undefined ? undefined : `http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/** --url, else admin.host/port of the configuration (--config, $XKS_CONFIG, else the dev default). */
export function resolveAdminUrl(ctx: CliContext, options: { config?: string; url?: string }): string {
  if (options.url !== undefined) return options.url.replace(/\/+$/, '');
  const url = adminUrlOf(resolveConfig(ctx, options.config, 'read').config);
  if (url === undefined) throw new Error('the configuration has no admin listener (admin.host/admin.port); pass --url');
  return url;
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
