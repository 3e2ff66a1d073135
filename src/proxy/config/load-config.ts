import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { AesGcmEngineName } from '../../crypto/aes-gcm.js';
import type { KeyEncryptionSecret } from '../keystore/key-encryption.js';
import type { KeyStatus, KeyUsage } from '../keystore/key-store.js';
import { resolveKeyEncryption } from './resolve-key-encryption.js';
import { resolvePkcs11, type Pkcs11Config } from './pkcs11-schema.js';
import { XKS_API_BASE } from '../../xks/limits.js';
import { loadPolicyFile } from '../authz/load-policy.js';
import { PolicyError, type AuthorizationPolicy } from '../authz/policy.js';
import { configSchema, SECRET_ACCESS_KEY_PATTERN } from './config-schema.js';
import type { FaultRule } from '../faults/fault-rules.js';
import { describeJsonError } from './json-position.js';

export interface Credential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Absolute path of the file the secret was read from, when it came from one (for permission warnings). */
  readonly secretFile?: string;
}

export interface KeyOverride {
  readonly keyStatus?: KeyStatus;
  readonly keyUsage?: readonly KeyUsage[];
  /** Who set the override, when, why (logged at every load; docs/operations.md "Kill switches"). */
  readonly by?: string;
  readonly at?: string;
  readonly reason?: string;
}

/** Who flipped a kill switch, when and why. */
export interface ChangeRecord {
  readonly by: string;
  readonly at: string;
  readonly reason?: string;
}

/** listen.tls with absolute paths (docs/security.md "TLS"). */
export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientAuth?: { readonly caFile: string; readonly allowedSubjects: readonly string[] };
}

/** config.limits: the front door's bounds (docs/configuration.md "Limits and slow clients"). */
export interface LimitsConfig {
  readonly maxConnections: number;
  readonly reservedConnections: number;
  /** 0 = no limit. */
  readonly maxConnectionsPerAddress: number;
  /** Restart to change. */
  readonly listenBacklog: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly tlsHandshakeTimeoutMs: number;
  readonly maxHeaderBytes: number;
  readonly lingeringCloseMs: number;
  readonly lingeringCloseMaxBytes: number;
  readonly maxPipelinedRequests: number;
  readonly maxPipelinedBytes: number;
  readonly maxBodyBytesInFlight: number;
}

export interface KeyStoreConfig {
  readonly name: string;
  /** '' or '/a/b' */
  readonly uriPrefix: string;
  /** uriPrefix + /kms/xks/v1: the XksProxyUriPath KMS is configured with. */
  readonly uriPath: string;
  readonly regions: readonly string[];
  readonly credentials: readonly Credential[];
  /** Absolute path. Exactly one of keyDirectory (keys in files) or pkcs11 (keys in an HSM token) is set. */
  readonly keyDirectory?: string;
  /** The HSM token that holds this store's keys (docs/hsm.md). */
  readonly pkcs11?: Pkcs11Config;
  /** Config-level overrides of a key file's status/usage (the kill switch for a single key). */
  readonly keys: Readonly<Record<string, KeyOverride>>;
  /** Per-store request quota (token bucket); burst resolved (default: one second's worth). */
  readonly quota: { readonly requestsPerSecond: number; readonly burst: number };
  /** Secondary authorization policy (spec A14), compiled at load. */
  readonly authorization?: { readonly file: string; readonly policy: AuthorizationPolicy };
  /** Kill switch: every XKS call to this store gets InvalidStateException. */
  readonly blocked?: ChangeRecord;
  /** Encryption at rest of the key files; the secret is resolved at load and never logged. */
  readonly keyEncryption?: KeyEncryptionSecret;
  /** Opt-in decrypt compatibility modes (docs/keys.md "Compatibility mode"); ciphertextMetadata is base64. */
  readonly compat?: { readonly sha256Aad: boolean; readonly ciphertextMetadata?: string };
  /** When present, the only external key ids this store serves; any other is KeyNotFoundException. */
  readonly allowedKeyIds?: readonly string[];
}

export interface HealthCheckConfig {
  readonly intervalMs: number;
  readonly maxAgeMs: number;
  readonly slowMs: number;
}

export interface HealthIdentity {
  readonly xksProxyVendor: string;
  readonly xksProxyModel: string;
  readonly ekmVendor: string;
  readonly xksProxyFleetSize: number;
  readonly ekmFleetDetails: readonly { readonly id: string; readonly model: string }[];
}

export interface ProxyConfig {
  readonly listen: { readonly host: string; readonly port: number; readonly tls?: TlsConfig };
  /** Loopback-only admin listener for `xks status`; absent = off. */
  readonly admin?: { readonly host: string; readonly port: number; readonly allowedHosts?: readonly string[] };
  readonly crypto: { readonly engine: AesGcmEngineName };
  readonly logging: { readonly level: string };
  readonly health: HealthIdentity;
  /** Absent in hand-built configs: the defaults of config-schema.ts apply. */
  readonly healthCheck?: HealthCheckConfig;
  readonly keyStores: readonly KeyStoreConfig[];
  readonly limits: LimitsConfig;
  readonly throttling: { readonly maxConcurrentRequests: number };
  /** Fault injection rules (docs/faults.md); used only when `xks serve --allow-faults`, refused otherwise. */
  readonly faults?: readonly FaultRule[];
  /** Worker processes of `xks serve` (docs/operations.md); absent in hand-built configs = 1. */
  readonly workers?: number | 'auto';
  /** Where the configuration came from (a file path or "embedded dev default"). */
  readonly source: string;
}

/** Every problem found in a configuration, reported together. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface ParseConfigOptions {
  /** Relative paths (keyDirectory, secretFile) are resolved against this directory. */
  readonly baseDir: string;
  readonly source: string;
  readonly readFile?: (path: string) => string;
  /** For keyEncryption.passphraseEnv (only main.ts reads process.env; the CLI passes it down). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Validate a configuration object completely (every problem at once), resolve secret files, freeze the result. */
export function parseConfig(raw: unknown, options: ParseConfigOptions): ProxyConfig {
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      options.source,
      result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`),
    );
  }
  const problems: string[] = [];
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(options.baseDir, p));
  const keyStores = result.data.keyStores.map((store, i): KeyStoreConfig => {
    const credentials = store.credentials.map((c, k): Credential => {
      if (c.secretAccessKey !== undefined) return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
      const file = abs(c.secretFile ?? '');
      let secret = '';
      try {
        secret = readFile(file).trim();
        if (!SECRET_ACCESS_KEY_PATTERN.test(secret)) {
          problems.push(`keyStores.${i}.credentials.${k}.secretFile: ${file} must hold 43-64 chars of A-Za-z0-9/+= (spec A12)`);
        }
      } catch (error) {
        problems.push(`keyStores.${i}.credentials.${k}.secretFile: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      return { accessKeyId: c.accessKeyId, secretAccessKey: secret, secretFile: file };
    });
    let authorization: KeyStoreConfig['authorization'];
    if (store.authorizationPolicy !== undefined) {
      const file = abs(store.authorizationPolicy);
      try {
        authorization = { file, policy: loadPolicyFile(file, readFile) };
      } catch (error) {
        if (!(error instanceof PolicyError)) throw error;
        for (const p of error.problems) problems.push(`keyStores.${i}.authorizationPolicy: ${p}`);
      }
    }
    return {
      name: store.name,
      uriPrefix: store.uriPrefix,
      uriPath: `${store.uriPrefix}${XKS_API_BASE}`,
      regions: store.regions,
      credentials,
      ...(store.keyDirectory !== undefined && { keyDirectory: abs(store.keyDirectory) }),
      ...(store.pkcs11 !== undefined && {
        pkcs11: resolvePkcs11(store.pkcs11, { abs, readFile, env: options.env ?? {}, where: `keyStores.${i}.pkcs11`, problems }),
      }),
      keys: store.keys,
      quota: { requestsPerSecond: store.quota.requestsPerSecond, burst: store.quota.burst ?? Math.max(1, Math.ceil(store.quota.requestsPerSecond)) },
      ...(authorization !== undefined && { authorization }),
      ...(store.blocked !== undefined && { blocked: store.blocked }),
      ...(store.keyEncryption !== undefined && {
        keyEncryption: resolveKeyEncryption(store.keyEncryption, { abs, readFile, env: options.env ?? {}, where: `keyStores.${i}.keyEncryption`, problems }),
      }),
      compat: store.compat,
      ...(store.allowedKeyIds !== undefined && { allowedKeyIds: [...new Set(store.allowedKeyIds)] }),
    };
  });
  const tls = result.data.listen.tls;
  if (problems.length > 0) throw new ConfigError(options.source, problems);
  return deepFreeze({
    listen: {
      host: result.data.listen.host,
      port: result.data.listen.port,
      ...(tls !== undefined && {
        tls: {
          certFile: abs(tls.certFile),
          keyFile: abs(tls.keyFile),
          ...(tls.clientAuth !== undefined && { clientAuth: { caFile: abs(tls.clientAuth.caFile), allowedSubjects: tls.clientAuth.allowedSubjects } }),
        },
      }),
    },
    ...(result.data.admin !== undefined && { admin: result.data.admin }),
    crypto: result.data.crypto,
    logging: result.data.logging,
    health: result.data.health,
    healthCheck: result.data.healthCheck,
    keyStores,
    limits: result.data.limits,
    throttling: result.data.throttling,
    ...(result.data.faults !== undefined && { faults: result.data.faults }),
    workers: result.data.workers,
    source: options.source,
  });
}

/** Read and validate a JSON configuration file (`readFile`: where it and the files it names are read from). */
export function loadConfigFile(
  path: string,
  options: { env?: Readonly<Record<string, string | undefined>>; readFile?: (path: string) => string } = {},
): ProxyConfig {
  const file = resolve(path);
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let raw: unknown;
  let text = '';
  try {
    text = readFile(file);
    raw = JSON.parse(text);
  } catch (error) {
    const why = error instanceof SyntaxError ? `not valid JSON: ${describeJsonError(text, error)}` : `cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
    throw new ConfigError(file, [why]);
  }
  return parseConfig(raw, { baseDir: dirname(file), source: file, readFile, ...(options.env !== undefined && { env: options.env }) });
}
