/** Starts the emulator app on 127.0.0.1:0 with an in-memory store, plus an SDK client pointed at it. */
import { ConnectCustomKeyStoreCommand, CreateCustomKeyStoreCommand, DescribeCustomKeyStoresCommand, KMSClient } from '@aws-sdk/client-kms';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { createKmsApp, type KmsApp } from '../../src/kms-emulator/create-kms-app.js';
import { buildKmsEmulatorConfig, type KmsEmulatorConfig } from '../../src/kms-emulator/context/kms-config.js';
import { createLogger } from '../../src/logging/create-logger.js';
import { createKmsStateStore, type KmsStateStore } from '../../src/kms-emulator/store/kms-state-store.js';
import { pollUntil } from './poll-until.js';

export interface Harness {
  readonly kms: KMSClient;
  readonly app: KmsApp;
  readonly store: KmsStateStore;
  readonly endpoint: string;
  readonly logLines: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<KmsEmulatorConfig> = {}, storeLocation = ':memory:'): Promise<Harness> {
  const config = buildKmsEmulatorConfig({ connectingDelayMs: 150, disconnectingDelayMs: 50, allowHttpLoopback: true, dnsMode: 'static', ...overrides });
  const logLines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const store = createKmsStateStore(storeLocation);
  const app = createKmsApp({ config, store, logger: createLogger({ level: 'debug', service: 'kms-emulator' }, sink), clock: () => Date.now(), randomBytes, randomUUID });
  app.customKeyStores.resume();
  const server: Server = await new Promise((r) => {
    const s = app.app.listen(0, '127.0.0.1', () => r(s));
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kms = new KMSClient({ endpoint, region: config.region, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }, maxAttempts: 1 });
  return {
    kms,
    app,
    store,
    endpoint,
    logLines,
    async close() {
      kms.destroy();
      app.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      store.close();
    },
  };
}

/** Polls an SDK call until its answer satisfies `done` (built on pollUntil; the deadline is a hang guard). */
export async function waitFor<T>(fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  let last: T | undefined;
  return pollUntil(
    'an emulator answer',
    async () => {
      last = await fn();
      return done(last) ? last : undefined;
    },
    { timeoutMs, describe: () => JSON.stringify(last) },
  );
}

/** CreateCustomKeyStore for a PUBLIC_ENDPOINT store (spec B9); returns its CustomKeyStoreId. */
export async function createPublicStore(
  kms: KMSClient,
  store: { name: string; uriEndpoint: string; uriPath: string; accessKeyId: string; secret: string },
): Promise<string> {
  const out = await kms.send(
    new CreateCustomKeyStoreCommand({
      CustomKeyStoreName: store.name,
      CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
      XksProxyConnectivity: 'PUBLIC_ENDPOINT',
      XksProxyUriEndpoint: store.uriEndpoint,
      XksProxyUriPath: store.uriPath,
      XksProxyAuthenticationCredential: { AccessKeyId: store.accessKeyId, RawSecretAccessKey: store.secret },
    }),
  );
  return out.CustomKeyStoreId ?? '';
}

/** ConnectCustomKeyStore, then poll Describe until the store leaves CONNECTING (spec B5); returns the final state. */
export async function connectAndSettle(kms: KMSClient, id: string): Promise<{ state?: string; code?: string }> {
  await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
  const d = await waitFor(
    () => kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id })),
    (v) => v.CustomKeyStores?.[0]?.ConnectionState !== 'CONNECTING',
  );
  const s = d.CustomKeyStores?.[0];
  return { state: s?.ConnectionState, code: s?.ConnectionErrorCode };
}
