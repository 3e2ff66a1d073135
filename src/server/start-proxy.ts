import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminApp } from '../admin/create-admin-app.js';
import { buildProxyStatus } from '../admin/proxy-status.js';
import type { KeyStoreConfig, ProxyConfig } from '../config/load-config.js';
import { createAesGcmEngine } from '../crypto/aes-gcm.js';
import { secureRandomBytes, type RandomBytes } from '../crypto/random.js';
import { createApp } from '../http/create-app.js';
import { buildRuntime, type ProxyRuntime } from '../http/proxy-runtime.js';
import type { KeyStore } from '../keystore/key-store.js';
import { loadKeyDirectory } from '../keystore/load-key-directory.js';
import type { Logger } from '../logging/create-logger.js';
import { createRuntimeHolder, type RuntimeHolder } from './runtime-holder.js';

/** Load every key store's directory, logging (never the material) what could not be loaded. */
export function loadRuntime(config: ProxyConfig, logger: Logger): ProxyRuntime {
  return buildRuntime(config, (store: KeyStoreConfig): KeyStore => {
    const { store: keys, warnings } = loadKeyDirectory(store.keyDirectory);
    for (const w of warnings) logger.warn({ keyStore: store.name, file: w.file }, w.message);
    for (const p of keys.problems) logger.error({ keyStore: store.name, file: p.file }, `key file not loaded: ${p.message}`);
    logger.info({ keyStore: store.name, uriPath: store.uriPath, keys: keys.listKeys().length }, 'key store loaded');
    return keys;
  });
}

export interface ProxyServerOptions {
  readonly config: ProxyConfig;
  readonly logger: Logger;
  readonly clock?: () => number;
  readonly random?: RandomBytes;
}

export interface RunningProxy {
  readonly server: Server;
  readonly port: number;
  /** e.g. http://127.0.0.1:7700 */
  readonly url: string;
  /** e.g. http://127.0.0.1:7701 when the admin listener is configured. */
  readonly adminUrl: string | undefined;
  readonly runtime: RuntimeHolder;
  close(): Promise<void>;
}

async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** Build the app from a validated config and listen on config.listen (and config.admin when set). */
export async function startProxy(options: ProxyServerOptions): Promise<RunningProxy> {
  const { config, logger } = options;
  const clock = options.clock ?? Date.now;
  const holder = createRuntimeHolder(loadRuntime(config, logger), clock, (_next, reason) => logger.info({ reason }, 'runtime reloaded'));
  const app = createApp({
    runtime: holder.current,
    engine: createAesGcmEngine(config.crypto.engine),
    clock,
    random: options.random ?? secureRandomBytes,
    logger,
  });
  const server = createServer(app);
  // Slow or idle clients cannot hold a connection for long (details in the README, "Limits").
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 65_000;
  const url = await listen(server, config.listen.port, config.listen.host);

  let adminServer: Server | undefined;
  let adminUrl: string | undefined;
  if (config.admin !== undefined) {
    adminServer = createServer(createAdminApp({ status: () => buildProxyStatus(holder.current(), { at: holder.loadedAt, reason: holder.loadReason }) }));
    adminUrl = await listen(adminServer, config.admin.port, config.admin.host);
  }
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url,
    adminUrl,
    runtime: holder,
    close: async () => {
      await Promise.all([closeServer(server), adminServer === undefined ? undefined : closeServer(adminServer)]);
    },
  };
}
