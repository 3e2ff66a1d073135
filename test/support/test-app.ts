/**
 * Shared fixtures for HTTP tests: an app built by createApp with an in-memory key store, a pinned clock,
 * an in-memory log sink, and requests signed by aws4 (an implementation independent of ours).
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import type { Test } from 'supertest';
import { parseConfig, type ProxyConfig } from '../../src/proxy/config/load-config.js';
import { createAesGcmEngine, type AesGcmEngine, type AesGcmEngineName } from '../../src/crypto/aes-gcm.js';
import { secureRandomBytes, type RandomBytes } from '../../src/crypto/random.js';
import { createApp, type AppDeps } from '../../src/proxy/http/create-app.js';
import { buildRuntime, type ProxyRuntime } from '../../src/proxy/http/proxy-runtime.js';
import { createMemoryKeyStore, type KeyStatus, type KeyUsage, type XksKey } from '../../src/proxy/keystore/key-store.js';
import { createLogger } from '../../src/logging/create-logger.js';
import { createDecisionLog } from '../../src/proxy/explain/decision-log.js';
import { signXksHeaders } from './sign-xks.js';

/** A valid credential pair (spec A12 digest example). */
export const TEST_ACCESS_KEY_ID = 'AKIAI2SFODNN7EXAMPLE';
export const TEST_SECRET = 'FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE';
export const TEST_REGION = 'us-east-1';
export const TEST_HOST = 'xks.example.com';
/** The pinned proxy clock. */
export const TEST_NOW = Date.parse('2026-11-28T12:00:00.000Z');

/** Deterministic 32-byte material derived from a label (tests only). */
export function testMaterial(label: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`xks-test-material:${label}`).digest());
}

export function testKey(
  externalKeyId: string,
  options: { usage?: readonly KeyUsage[]; status?: KeyStatus; versions?: number } = {},
): XksKey {
  const count = options.versions ?? 1;
  return {
    externalKeyId,
    keyUsage: options.usage ?? ['ENCRYPT', 'DECRYPT'],
    keyStatus: options.status ?? 'ENABLED',
    versions: Array.from({ length: count }, (_, i) => ({ version: i + 1, material: testMaterial(`${externalKeyId}/v${i + 1}`) })),
  };
}

export const DEFAULT_TEST_KEYS: readonly XksKey[] = [
  testKey('key-1'),
  testKey('key-encrypt-only', { usage: ['ENCRYPT'] }),
  testKey('key-decrypt-only', { usage: ['DECRYPT'] }),
  testKey('key-no-usage', { usage: [] }),
  testKey('key-disabled', { status: 'DISABLED' }),
];

export interface TestAppOptions {
  readonly keys?: readonly XksKey[];
  readonly uriPrefix?: string;
  readonly regions?: readonly string[];
  readonly clock?: () => number;
  readonly random?: RandomBytes;
  readonly engine?: AesGcmEngine | AesGcmEngineName;
  /** Raw fields merged into the default key store (e.g. quota, authorizationPolicy, compat). */
  readonly store?: Record<string, unknown>;
  /** Raw config fragments merged over the defaults (e.g. more keyStores). */
  readonly rawConfig?: Record<string, unknown>;
  readonly deps?: Partial<AppDeps>;
}

export interface TestApp {
  readonly app: ReturnType<typeof createApp>;
  readonly config: ProxyConfig;
  readonly runtime: ProxyRuntime;
  /** Every log line written so far, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Every log line as raw text (for "never appears" assertions). */
  readonly rawLogs: string[];
  readonly engine: AesGcmEngine;
}

export function testConfig(options: Pick<TestAppOptions, 'uriPrefix' | 'regions' | 'store' | 'rawConfig'> = {}): ProxyConfig {
  return parseConfig(
    {
      logging: { level: 'info' },
      keyStores: [
        {
          name: 'test',
          uriPrefix: options.uriPrefix ?? '',
          regions: options.regions ?? [TEST_REGION],
          credentials: [{ accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET }],
          keyDirectory: '/nonexistent-test-keys',
          ...options.store,
        },
      ],
      ...options.rawConfig,
    },
    { baseDir: '/', source: 'test' },
  );
}

export function createTestApp(options: TestAppOptions = {}): TestApp {
  const config = testConfig(options);
  const keys = options.keys ?? DEFAULT_TEST_KEYS;
  const runtime = buildRuntime(config, () => createMemoryKeyStore(keys));
  const rawLogs: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger(config.logging, {
    write(line: string) {
      rawLogs.push(line);
      logs.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  const engine = typeof options.engine === 'object' ? options.engine : createAesGcmEngine(options.engine ?? 'node');
  const app = createApp({
    runtime: () => runtime,
    engine,
    clock: options.clock ?? (() => TEST_NOW),
    random: options.random ?? secureRandomBytes,
    logger,
    decisions: createDecisionLog(),
    ...options.deps,
  });
  return { app, config, runtime, logs, rawLogs, engine };
}

export interface SignOptions {
  readonly accessKeyId?: string;
  readonly secret?: string;
  readonly region?: string;
  readonly service?: string;
  /** Signing time (epoch ms); defaults to TEST_NOW. */
  readonly time?: number;
  readonly host?: string;
  readonly contentType?: string | null;
  readonly method?: string;
  /** Extra headers, signed as well when aws4 signs them (aws4 signs all but a few). */
  readonly headers?: Record<string, string>;
}

/** Sign with aws4 and send through supertest; body objects are JSON-encoded, strings/Buffers sent as is. */
export function signedRequest(app: TestApp['app'], path: string, body: unknown, options: SignOptions = {}): Test {
  const raw = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const method = options.method ?? 'POST';
  const headers = signXksHeaders({
    host: options.host ?? TEST_HOST,
    path,
    body: raw,
    method,
    accessKeyId: options.accessKeyId ?? TEST_ACCESS_KEY_ID,
    secret: options.secret ?? TEST_SECRET,
    region: options.region ?? TEST_REGION,
    time: options.time ?? TEST_NOW,
    ...(options.service !== undefined && { service: options.service }),
    ...(options.contentType !== undefined && { contentType: options.contentType }),
    ...(options.headers !== undefined && { headers: options.headers }),
  });
  const req = request(app)[method.toLowerCase() as 'post'](path);
  for (const [name, value] of Object.entries(headers)) req.set(name, value);
  // Send the exact signed bytes: superagent would JSON-encode a Buffer under a JSON Content-Type.
  return req.serialize((b: unknown) => b as string).send(raw);
}

/** A requestMetadata block as KMS sends it for an operation. */
export function kmsMetadata(kmsOperation: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    awsPrincipalArn: 'arn:aws:iam::111122223333:role/test-principal',
    kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    kmsOperation,
    kmsRequestId: '4112f4d6-db54-4af4-ae30-c55a22a8dfae',
    ...extra,
  };
}

export const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64');
