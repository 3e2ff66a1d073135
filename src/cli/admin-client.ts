/** How CLI commands reach a running proxy's loopback admin listener (`xks status`, `xks explain`). */
import { readFileSync } from 'node:fs';
import type { DecisionRecord } from '../proxy/explain/decision-log.js';
import type { CliContext } from './cli-context.js';
import type { ProxyConfig } from '../proxy/config/load-config.js';
import { locateConfig, resolveConfig } from './resolve-config.js';

/** The admin listener's URL of a configuration, or undefined when it has none. */
export function adminUrlOf(config: ProxyConfig): string | undefined {
  const a = config.admin;
  return a === undefined ? undefined : `http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/**
 * admin.host/port read from the file without validating the rest: a reload that was rejected leaves a broken
 * configuration on disk while the proxy keeps serving the last good one, and that is when `xks status` is needed.
 */
export function adminUrlFromText(text: string): string | undefined {
  let admin: unknown;
  try {
    admin = (JSON.parse(text) as { admin?: unknown }).admin;
  } catch {
    // not JSON at all (an edit in progress): the admin section itself may still be readable
    const m = /"admin"\s*:\s*(\{[^{}]*\})/.exec(text);
    try {
      admin = m?.[1] === undefined ? undefined : JSON.parse(m[1]);
    } catch {
      admin = undefined;
    }
  }
  if (typeof admin !== 'object' || admin === null) return undefined;
  const { host, port } = admin as { host?: unknown; port?: unknown };
  if (typeof port !== 'number' || !Number.isInteger(port)) return undefined;
  const h = typeof host === 'string' && host !== '' ? host : '127.0.0.1';
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

/** --url, else admin.host/port of the configuration (--config, $XKS_CONFIG, else the dev default). */
export function resolveAdminUrl(ctx: CliContext, options: { config?: string; url?: string }): string {
  if (options.url !== undefined) return options.url.replace(/\/+$/, '');
  let url: string | undefined;
  try {
    url = adminUrlOf(resolveConfig(ctx, options.config, 'read').config);
  } catch (error) {
    const path = locateConfig(ctx, options.config, 'read').path;
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw error;
    }
    url = adminUrlFromText(text);
    if (url === undefined) throw error;
  }
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
