import type { ProxyStatus } from '../proxy/admin/proxy-status.js';
import type { ProxyConfig } from '../proxy/config/load-config.js';
import { adminUrlOf, fetchAdminJson } from './admin-client.js';

/**
 * For `xks keys list` when key files have problems: what a running proxy still serves from memory (the last good
 * version of a key whose file went bad), asked from its loopback admin listener. Lines for stderr; a note when no
 * proxy answers (a restart serves only what the files hold).
 */
export async function describeServedFromMemory(config: ProxyConfig, storeName: string): Promise<string[]> {
  const url = adminUrlOf(config);
  const unknown = ['note: a running proxy keeps serving the last good version of a key whose file went bad (see `xks status`); a restart does not'];
  if (url === undefined) return unknown;
  let status: ProxyStatus;
  try {
    status = (await fetchAdminJson(`${url}/status`, { timeoutMs: 2000 })) as ProxyStatus;
  } catch {
    return unknown;
  }
  const kept = status.keyStores.find((s) => s.name === storeName)?.servedFromMemory ?? [];
  if (kept.length === 0) return [`the running proxy (${url}) serves no key of ${storeName} from memory`];
  return kept.map((k) => `served from memory by the running proxy (${url}): ${k.externalKeyId} since ${k.since}, last good version (${k.file}: ${k.message})`);
}
