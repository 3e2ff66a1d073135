import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HealthCheckConfig, KeyStoreConfig } from '../config/load-config.js';
import type { AesGcmEngine } from '../../crypto/aes-gcm.js';
import { decodeBase64Strict } from '../../crypto/base64.js';
import type { RandomBytes } from '../../crypto/random.js';
import { keyStoreHealth, type StoreRuntime } from '../http/proxy-runtime.js';
import { writeFileAtomic } from '../keystore/atomic-write.js';
import type { KeyCodecRegistry } from '../keystore/key-codec-registry.js';
import { HEALTH_DIRECTORY, HEALTH_KEY_FILE } from '../keystore/key-directory.js';
import { createFileKeyBackend } from '../keystore/file-key-backend.js';
import type { KeyBackend } from '../keystore/key-backend.js';
import { createMemoryKeyStore, type XksKey } from '../keystore/key-store.js';
import type { Logger } from '../../logging/create-logger.js';
import { KEY_BYTES } from '../../xks/limits.js';
import { decrypt } from '../operations/decrypt.js';
import { encrypt } from '../operations/encrypt.js';
import type { EkmHealthStatus } from '../../xks/wire-types.js';

/**
 * The deep health check (spec A7 / C39, C40, C46). Per key store, a timer runs a real round trip through the key
 * manager: read the store's health-check key from disk (unwrapping it when the store encrypts at rest), Encrypt with
 * a CDIV and check-decrypt, Decrypt, compare. GetHealthStatus answers from the cached result and never does crypto.
 *
 * The health-check key lives in `<keyDirectory>/.health/health-check.json`. KMS cannot address it: the proxy serves
 * only `<keyDirectory>/<externalKeyId>.json`, and dot-entries are never keys. It is created on the first check.
 *
 * healthStatus, per store, is the worst of:
 *   - the cached check: ACTIVE; DEGRADED when the round trip took longer than `slowMs`; UNAVAILABLE when it failed;
 *   - the age of that check: older than `maxAgeMs` (<= 60 s, spec A7) or none yet -> UNAVAILABLE (a stale ACTIVE
 *     would be a promise we cannot keep);
 *   - the key store as currently served: some key files failed to load -> DEGRADED; directory unreadable -> UNAVAILABLE.
 */
export { HEALTH_DIRECTORY, HEALTH_KEY_FILE };
/** Not a valid place for a KMS key: it names the key inside `.health/`, never served. */
const HEALTH_KEY_ID = 'xks-proxy-health-check';
const HEALTH_PLAINTEXT_BYTES = 32;

export const DEFAULT_HEALTH_CHECK: HealthCheckConfig = Object.freeze({ intervalMs: 15_000, maxAgeMs: 60_000, slowMs: 100 });

export interface HealthCheckResult {
  readonly status: EkmHealthStatus;
  /** Epoch ms. */
  readonly checkedAt: number;
  readonly durationMs: number;
  /** Why the check is not ACTIVE (never contains material or plaintext). */
  readonly error?: string;
  /** The check failed reading the key directory or the health-check key, not in the crypto. */
  readonly storage?: boolean;
}

/** What `xks status` shows per key store. */
export interface StoreHealthSnapshot {
  readonly healthStatus: EkmHealthStatus;
  readonly checkedAt?: string;
  readonly cacheAgeMs?: number;
  readonly durationMs?: number;
  readonly reasons: readonly string[];
  readonly lastError?: string;
  readonly lastErrorAt?: string;
}

export interface HealthMonitorDeps {
  /** The key stores to check, read at each run (a reload can change them). */
  readonly stores: () => readonly KeyStoreConfig[];
  readonly codecs: KeyCodecRegistry;
  readonly engine: AesGcmEngine;
  readonly random: RandomBytes;
  /** Epoch ms: checkedAt and cache age. */
  readonly clock: () => number;
  /** Monotonic ms for durations; defaults to performance.now. */
  readonly now?: () => number;
  readonly config?: HealthCheckConfig;
  readonly logger?: Logger;
  /** A store's own backend (PKCS#11): its check is the backend's probe instead of a key file round trip. */
  readonly backendOf?: (store: KeyStoreConfig) => KeyBackend | undefined;
}

export interface HealthMonitor {
  /** Run every store's check now (a few ms per store; an HSM's within its call deadline). */
  runChecks(): Promise<void>;
  /** Start the timer (unref'd: it never keeps the process alive). */
  start(): void;
  stop(): void;
  /** For createApp's deps.ekmHealth: cached result + the served store's state, no crypto. */
  health(store: StoreRuntime): EkmHealthStatus;
  snapshot(store: StoreRuntime): StoreHealthSnapshot;
}

const RANK: Readonly<Record<EkmHealthStatus, number>> = { ACTIVE: 0, DEGRADED: 1, UNAVAILABLE: 2 };
const worst = (a: EkmHealthStatus, b: EkmHealthStatus): EkmHealthStatus => (RANK[a] >= RANK[b] ? a : b);

function messageOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
}

/** "2 key file(s) failed to load: /k/a.json, /k/b.json; serving 1 key(s) from memory (last good version)" */
function describeProblems(keys: StoreRuntime['keys']): string {
  const files = keys.problems.map((p) => p.file);
  const named = `${files.slice(0, 3).join(', ')}${files.length > 3 ? ` (+${files.length - 3} more)` : ''}`;
  const memory = keys.retained.length > 0 ? `; serving ${keys.retained.length} key(s) from memory (last good version)` : '';
  return `${files.length} key file(s) failed to load: ${named}${memory}`;
}

export function createHealthMonitor(deps: HealthMonitorDeps): HealthMonitor {
  const config = deps.config ?? DEFAULT_HEALTH_CHECK;
  const now = deps.now ?? (() => performance.now());
  const results = new Map<string, HealthCheckResult>();
  const lastErrors = new Map<string, { message: string; at: number }>();
  let timer: NodeJS.Timeout | undefined;

  function readOrCreateHealthKey(store: KeyStoreConfig): XksKey {
    const codec = deps.codecs.codecFor(store);
    const dir = join(store.keyDirectory ?? '', HEALTH_DIRECTORY);
    const file = join(dir, HEALTH_KEY_FILE);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(dir, { mode: 0o700, recursive: true });
      const material = deps.random(KEY_BYTES);
      const at = new Date(deps.clock()).toISOString();
      writeFileAtomic(file, codec.encode({ externalKeyId: HEALTH_KEY_ID, keyUsage: ['ENCRYPT', 'DECRYPT'], keyStatus: 'ENABLED', createdAt: at, versions: [{ version: 1, material, createdAt: at }] }));
      material.fill(0);
      deps.logger?.info({ keyStore: store.name, file }, 'health-check key created');
      text = readFileSync(file, 'utf8');
    }
    return codec.decode(text).key;
  }

  async function checkStore(store: KeyStoreConfig): Promise<HealthCheckResult> {
    const started = now();
    const checkedAt = deps.clock();
    const own = deps.backendOf?.(store);
    if (own !== undefined) return probeBackend(own, started, checkedAt);
    let key: XksKey;
    try {
      readdirSync(store.keyDirectory ?? ''); // the directory KMS keys are served from must be readable
      key = readOrCreateHealthKey(store);
    } catch (error) {
      return { status: 'UNAVAILABLE', checkedAt, durationMs: Math.max(0, now() - started), error: messageOf(error), storage: true };
    }
    const backend = createFileKeyBackend(createMemoryKeyStore([key]), deps);
    try {
      const plaintext = deps.random(HEALTH_PLAINTEXT_BYTES);
      const aad = deps.random(16);
      const requestMetadata = { kmsOperation: 'HealthCheck', kmsRequestId: 'health-check' };
      const enc = await encrypt(key, { requestMetadata, plaintext, additionalAuthenticatedData: aad, encryptionAlgorithm: 'AES_GCM', ciphertextDataIntegrityValueAlgorithm: 'SHA_256' }, backend);
      const bytes = (s: string | undefined) => decodeBase64Strict(s ?? '') ?? new Uint8Array();
      const dec = await decrypt(
        key,
        {
          requestMetadata,
          encryptionAlgorithm: 'AES_GCM',
          ciphertext: bytes(enc.ciphertext),
          ciphertextMetadata: bytes(enc.ciphertextMetadata),
          initializationVector: bytes(enc.initializationVector),
          authenticationTag: bytes(enc.authenticationTag),
          additionalAuthenticatedData: aad,
        },
        backend,
      );
      const back = bytes(dec.plaintext);
      const same = Buffer.from(back).equals(plaintext);
      back.fill(0);
      plaintext.fill(0);
      if (!same) throw new Error('health-check round trip returned different plaintext');
      const durationMs = Math.max(0, now() - started);
      if (durationMs > config.slowMs) {
        return { status: 'DEGRADED', checkedAt, durationMs, error: `round trip took ${Math.round(durationMs)} ms (slow threshold ${config.slowMs} ms)` };
      }
      return { status: 'ACTIVE', checkedAt, durationMs };
    } catch (error) {
      return { status: 'UNAVAILABLE', checkedAt, durationMs: Math.max(0, now() - started), error: messageOf(error) };
    }
  }

  /** An HSM store: the backend's own probe (a real call to the HSM), timed like the round trip. */
  async function probeBackend(backend: KeyBackend, started: number, checkedAt: number): Promise<HealthCheckResult> {
    try {
      await backend.probe();
    } catch (error) {
      return { status: 'UNAVAILABLE', checkedAt, durationMs: Math.max(0, now() - started), error: messageOf(error) };
    }
    const durationMs = Math.max(0, now() - started);
    if (durationMs > config.slowMs) {
      return { status: 'DEGRADED', checkedAt, durationMs, error: `HSM probe took ${Math.round(durationMs)} ms (slow threshold ${config.slowMs} ms)` };
    }
    return { status: 'ACTIVE', checkedAt, durationMs };
  }

  function cached(store: StoreRuntime): { status: EkmHealthStatus; reasons: string[]; result?: HealthCheckResult } {
    const result = results.get(store.config.name);
    const reasons: string[] = [];
    let status: EkmHealthStatus = 'ACTIVE';
    if (result === undefined) {
      status = 'UNAVAILABLE';
      reasons.push('no health check has completed yet');
    } else if (deps.clock() - result.checkedAt > config.maxAgeMs) {
      status = 'UNAVAILABLE';
      reasons.push(`last health check is older than ${config.maxAgeMs} ms`);
    } else {
      status = result.status;
      if (result.error !== undefined) reasons.push(result.error);
    }
    const served = keyStoreHealth(store.keys);
    if (served !== 'ACTIVE') reasons.push(store.keys.available ? describeProblems(store.keys) : 'key directory unreadable');
    // DEGRADED is "unhealthy, still serving" (spec A7): keys kept in memory still serve while their storage is broken.
    if (status === 'UNAVAILABLE' && result?.storage === true && store.keys.retained.length > 0) status = 'DEGRADED';
    return { status: worst(status, served), reasons, ...(result !== undefined && { result }) };
  }

  async function runChecks(): Promise<void> {
    for (const store of deps.stores()) {
      const result = await checkStore(store);
      const previous = results.get(store.name);
      results.set(store.name, result);
      if (result.error !== undefined) lastErrors.set(store.name, { message: result.error, at: result.checkedAt });
      if (previous?.status !== result.status) {
        const level = result.status === 'ACTIVE' ? 'info' : 'warn';
        deps.logger?.[level]({ keyStore: store.name, healthStatus: result.status, durationMs: result.durationMs, reason: result.error }, 'health check status');
      }
    }
  }

  return {
    runChecks,
    start() {
      if (timer !== undefined) return;
      timer = setInterval(() => void runChecks(), config.intervalMs);
      timer.unref();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
    health: (store) => cached(store).status,
    snapshot(store) {
      const { status, reasons, result } = cached(store);
      const lastError = lastErrors.get(store.config.name);
      return {
        healthStatus: status,
        ...(result !== undefined && {
          checkedAt: new Date(result.checkedAt).toISOString(),
          cacheAgeMs: Math.max(0, deps.clock() - result.checkedAt),
          durationMs: Math.round(result.durationMs * 100) / 100,
        }),
        reasons,
        ...(lastError !== undefined && { lastError: lastError.message, lastErrorAt: new Date(lastError.at).toISOString() }),
      };
    },
  };
}
