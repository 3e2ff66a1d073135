import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyStoreConfig, ProxyConfig } from '../config/load-config.js';
import { createAesGcmEngine } from '../crypto/aes-gcm.js';
import { secureRandomBytes, type RandomBytes } from '../crypto/random.js';
import { createApp } from '../http/create-app.js';
import { buildRuntime, type ProxyRuntime } from '../http/proxy-runtime.js';
import type { KeyStore } from '../keystore/key-store.js';
import { loadKeyDirectory } from '../keystore/load-key-directory.js';
import type { Logger } from '../logging/create-logger.js';

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
  readonly runtime: () => ProxyRuntime;
  close(): Promise<void>;
}

/** Build the app from a validated config and listen on config.listen. */
export async function startProxy(options: ProxyServerOptions): Promise<RunningProxy> {
  const { config, logger } = options;
  const runtime = loadRuntime(config, logger);
  const app = createApp({
    runtime: () => runtime,
    engine: createAesGcmEngine(config.crypto.engine),
    clock: options.clock ?? Date.now,
    random: options.random ?? secureRandomBytes,
    logger,
  });
  const server = createServer(app);
  // Slow or idle clients cannot hold a connection for long (details in the README, "Limits").
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  return {
    server,
    port,
    url: `http://${host}:${port}`,
    runtime: () => runtime,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
