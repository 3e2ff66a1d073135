/**
 * What every KMS resource service receives: its dependencies (injected, never module-level) and, per call, the
 * request context. Services take typed input (KMS member names), validate it as KMS does, return typed output in
 * the wire shape, and throw KmsException: the awsJson1_1 adapter (create-kms-app.ts) and the browser console
 * call the same functions.
 */
import type { Logger } from 'pino';
import type { Identity } from '../access/identities.js';
import type { KmsEmulatorConfig } from './kms-config.js';
import type { KmsStateStore } from '../store/kms-state-store.js';
import type { XksClient } from '../../xks-client/xks-client.js';
import type { ProxyConnectionStats } from '../../xks-client/xks-connection-pool.js';

export interface RequestContext {
  readonly requestId: string;
  /** awsPrincipalArn sent to the proxy (spec A3). */
  readonly principalArn: string;
  /** kmsViaService sent to the proxy when set (spec A3). */
  readonly viaService?: string | undefined;
  /** Who is calling (the identities file, or the emulator's default caller): what key policies and grants judge. */
  readonly caller: Identity;
}

export interface KmsServiceDeps {
  readonly config: KmsEmulatorConfig;
  readonly store: KmsStateStore;
  readonly xks: XksClient;
  /** Epoch milliseconds. */
  readonly clock: () => number;
  readonly randomBytes: (n: number) => Buffer;
  readonly randomUUID: () => string;
  readonly logger: Logger;
  /** The connection pool's figures per proxy, for the status view (absent: none shown). */
  readonly proxyConnections?: () => readonly ProxyConnectionStats[];
}

/** Operations that answer `{}`. */
export type EmptyOutput = Record<string, never>;
