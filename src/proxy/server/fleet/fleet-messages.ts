/**
 * The IPC protocol between the fleet primary and its workers (node:cluster's channel). Every message carries
 * `xks` so other users of the channel (none today) cannot be mistaken for ours.
 */
import { parseConfigSnapshot, type ConfigSnapshot } from '../../config/config-snapshot.js';

export type FleetRequestKind = 'status' | 'metrics' | 'reload' | 'decisions';

/** Primary -> worker. */
export type PrimaryMessage =
  | {
      readonly xks: 'request';
      readonly id: number;
      readonly kind: FleetRequestKind;
      readonly reason?: string;
      /** 'decisions': the records of this kmsRequestId, else the newest `limit` (`xks explain`). */
      readonly kmsRequestId?: string;
      readonly limit?: number;
      /** 'reload': the configuration the primary validated, which the worker applies (it never reads the files). */
      readonly snapshot?: ConfigSnapshot;
    }
  | { readonly xks: 'shutdown'; readonly graceMs: number }
  /** The answer to 'config-request': the fleet's last good configuration, which a starting worker serves. */
  | { readonly xks: 'config'; readonly snapshot: ConfigSnapshot };

/** Worker -> primary. */
export type WorkerMessage =
  | { readonly xks: 'config-request' }
  | { readonly xks: 'ready'; readonly url: string; readonly banner: string }
  | { readonly xks: 'failed'; readonly error: string }
  | { readonly xks: 'response'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly xks: 'response'; readonly id: number; readonly ok: false; readonly error: string };

/** The result of a reload in one worker. */
export interface WorkerReloadResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
}

const isRecord = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;

export function parsePrimaryMessage(m: unknown): PrimaryMessage | undefined {
  if (!isRecord(m)) return undefined;
  if (m.xks === 'shutdown' && typeof m.graceMs === 'number') return { xks: 'shutdown', graceMs: m.graceMs };
  if (m.xks === 'config') {
    const snapshot = parseConfigSnapshot(m.snapshot);
    return snapshot === undefined ? undefined : { xks: 'config', snapshot };
  }
  if (m.xks === 'request' && typeof m.id === 'number' && (m.kind === 'status' || m.kind === 'metrics' || m.kind === 'reload' || m.kind === 'decisions')) {
    return {
      xks: 'request',
      id: m.id,
      kind: m.kind,
      ...(typeof m.reason === 'string' && { reason: m.reason }),
      ...(typeof m.kmsRequestId === 'string' && { kmsRequestId: m.kmsRequestId }),
      ...(typeof m.limit === 'number' && { limit: m.limit }),
      ...(parseConfigSnapshot(m.snapshot) !== undefined && { snapshot: parseConfigSnapshot(m.snapshot) }),
    };
  }
  return undefined;
}

export function parseWorkerMessage(m: unknown): WorkerMessage | undefined {
  if (!isRecord(m)) return undefined;
  if (m.xks === 'config-request') return { xks: 'config-request' };
  if (m.xks === 'ready' && typeof m.url === 'string' && typeof m.banner === 'string') return { xks: 'ready', url: m.url, banner: m.banner };
  if (m.xks === 'failed' && typeof m.error === 'string') return { xks: 'failed', error: m.error };
  if (m.xks === 'response' && typeof m.id === 'number') {
    if (m.ok === true) return { xks: 'response', id: m.id, ok: true, value: m.value };
    return { xks: 'response', id: m.id, ok: false, error: typeof m.error === 'string' ? m.error : 'unknown error' };
  }
  return undefined;
}

export function parseReloadResult(value: unknown): WorkerReloadResult {
  if (!isRecord(value) || typeof value.ok !== 'boolean' || !Array.isArray(value.problems)) return { ok: false, problems: ['the worker gave no reload result'] };
  return { ok: value.ok, problems: value.problems.map(String) };
}
