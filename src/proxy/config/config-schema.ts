import { z } from 'zod';
import { ALLOWED_HOST_NAME } from '../../net/local-host.js';
import { faultsSchema } from '../faults/fault-rules.js';
import { externalKeyIdSchema } from '../keystore/external-key-id.js';
import { KEY_STATUSES, KEY_USAGES } from '../keystore/key-store.js';
import { pkcs11Schema } from './pkcs11-schema.js';
import { blockedSchema, keyOverrideChangeFields, limitsSchema, quotaSchema, throttlingSchema, tlsSchema } from './transport-schema.js';
import { decodeBase64Strict } from '../../crypto/base64.js';
import { MAX_CIPHERTEXT_METADATA_BYTES, MAX_EKM_FLEET_ENTRIES, MAX_URI_PATH_LENGTH, XKS_API_BASE } from '../../xks/limits.js';

/** spec A12 / C66: access key id is 20-30 chars of A-Z2-7. */
export const ACCESS_KEY_ID_PATTERN = /^[A-Z2-7]{20,30}$/;
/** spec A12: KMS accepts secrets of 43-64 chars of a-zA-Z0-9/+= (>= 256 bits of entropy). */
export const SECRET_ACCESS_KEY_PATTERN = /^[A-Za-z0-9/+=]{43,64}$/;
/** spec A2 / C7: the prefix is empty or /segments of a-zA-Z0-9_- ; the whole XksProxyUriPath stays <= 128 chars. */
export const URI_PREFIX_PATTERN = /^(\/[A-Za-z0-9_-]+)*$/;
export const MAX_URI_PREFIX_LENGTH = MAX_URI_PATH_LENGTH - XKS_API_BASE.length;
/** An AWS region name as it appears in a SigV4 credential scope. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

const credentialSchema = z
  .object({
    accessKeyId: z.string().regex(ACCESS_KEY_ID_PATTERN, 'must be 20-30 chars of A-Z and 2-7 (spec A12)'),
    secretAccessKey: z.string().regex(SECRET_ACCESS_KEY_PATTERN, 'must be 43-64 chars of A-Za-z0-9/+= (spec A12)').optional(),
    secretFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((c) => (c.secretAccessKey === undefined) !== (c.secretFile === undefined), {
    message: 'give exactly one of secretAccessKey or secretFile',
  });

const keyOverrideSchema = z
  .object({
    keyStatus: z.enum(KEY_STATUSES).optional(),
    keyUsage: z
      .array(z.enum(KEY_USAGES))
      .refine((u) => new Set(u).size === u.length, 'keyUsage has duplicates')
      .optional(),
    ...keyOverrideChangeFields,
  })
  .strict();

/** Encryption at rest of the key files (docs/keys.md): exactly one source for the passphrase or KEK. */
const keyEncryptionSchema = z
  .object({
    passphraseEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    passphraseFile: z.string().min(1).optional(),
    kekFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((k) => [k.passphraseEnv, k.passphraseFile, k.kekFile].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of passphraseEnv, passphraseFile or kekFile',
  });

/** Opt-in decrypt compatibility with ciphertext made by AWS's sample proxy (docs/keys.md, "Compatibility mode"). */
const compatSchema = z
  .object({
    sha256Aad: z.boolean().default(false),
    /** The static ciphertext metadata the sample proxy returned (its `ciphertext_metadata_b64`), base64, 0-20 bytes. */
    ciphertextMetadata: z
      .string()
      .refine((b) => (decodeBase64Strict(b)?.length ?? Infinity) <= MAX_CIPHERTEXT_METADATA_BYTES, `must be standard base64 of 0-${MAX_CIPHERTEXT_METADATA_BYTES} bytes (spec A5)`)
      .optional(),
  })
  .strict();

const keyStoreSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 chars of A-Za-z0-9_-'),
    uriPrefix: z
      .string()
      .max(MAX_URI_PREFIX_LENGTH, `must be at most ${MAX_URI_PREFIX_LENGTH} chars so the URI path stays <= ${MAX_URI_PATH_LENGTH} (spec A2)`)
      .regex(URI_PREFIX_PATTERN, 'must be empty or /segments of a-zA-Z0-9_- without a trailing slash (spec A2)'),
    regions: z.array(z.string().regex(REGION_PATTERN, 'must be a region name such as us-east-1')).min(1),
    credentials: z.array(credentialSchema).min(1),
    // docs/hsm.md: exactly one of keyDirectory (key files) or pkcs11 (an HSM token).
    keyDirectory: z.string().min(1).optional(),
    pkcs11: pkcs11Schema.optional(),
    keys: z
      .record(externalKeyIdSchema, keyOverrideSchema)
      .default({}),
    // docs/configuration.md and docs/security.md: throttling, secondary authorization, kill switch.
    quota: quotaSchema.prefault({}),
    authorizationPolicy: z.string().min(1).optional(),
    blocked: blockedSchema.optional(),
    keyEncryption: keyEncryptionSchema.optional(),
    compat: compatSchema.default({ sha256Aad: false }),
    /** Only these external key ids are served (others: KeyNotFoundException); absent = every key (docs/keys.md). */
    allowedKeyIds: z.array(externalKeyIdSchema).max(100_000).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.keyDirectory !== undefined && s.pkcs11 !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['pkcs11'], message: 'give either keyDirectory (keys in files) or pkcs11 (keys in an HSM token), not both: a store serves keys from one place' });
    } else if (s.keyDirectory === undefined && s.pkcs11 === undefined) {
      ctx.addIssue({ code: 'custom', path: ['keyDirectory'], message: 'give keyDirectory (keys in files) or pkcs11 (keys in an HSM token, docs/hsm.md)' });
    }
    if (s.pkcs11 !== undefined && s.keyEncryption !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['keyEncryption'], message: 'keyEncryption applies to key files; an HSM store keeps its keys in the token' });
    }
  });

/** The deep health check (spec A7): a timer runs it, GetHealthStatus answers from its cached result. */
const healthCheckSchema = z
  .object({
    intervalMs: z.number().int().min(100).max(55_000).default(15_000),
    /** spec A7 / C46: a cached result may be at most 60 s old; older means UNAVAILABLE. */
    maxAgeMs: z.number().int().min(1_000).max(60_000).default(60_000),
    /** A round trip slower than this is DEGRADED. */
    slowMs: z.number().int().min(1).max(60_000).default(100),
  })
  .strict();

const healthSchema = z
  .object({
    xksProxyVendor: z.string().min(1).max(256).default('xks-proxy project'),
    xksProxyModel: z.string().min(1).max(256).default('xks-proxy (TypeScript reference) 0.1.0'),
    ekmVendor: z.string().min(1).max(256).default('xks-proxy project'),
    xksProxyFleetSize: z.number().int().positive().default(1),
    ekmFleetDetails: z
      .array(z.object({ id: z.string().min(1).max(256), model: z.string().min(1).max(256) }).strict())
      .min(1)
      .max(MAX_EKM_FLEET_ENTRIES)
      .default([{ id: 'in-process-1', model: 'xks-proxy in-process AES-256-GCM key manager 0.1.0' }]),
  })
  .strict();

export const configSchema = z
  .object({
    listen: z
      .object({ host: z.string().min(1).default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(7700), tls: tlsSchema.optional() })
      .strict()
      .default({ host: '127.0.0.1', port: 7700 }),
    // The admin listener (GET /status for `xks status`) is unauthenticated: loopback addresses only.
    admin: z
      .object({
        host: z.string().regex(/^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/, 'the admin listener is unauthenticated: use a loopback address'),
        port: z.number().int().min(0).max(65535),
        // DNS rebinding: requests are answered only under a loopback Host name or one of these (src/net/local-host.ts).
        allowedHosts: z.array(z.string().regex(ALLOWED_HOST_NAME, 'a host name (a DNS name or an IP address, without a port)')).max(32).optional(),
      })
      .strict()
      .optional(),
    crypto: z
      .object({ engine: z.enum(['node', 'noble']).default('node') })
      .strict()
      .default({ engine: 'node' }),
    logging: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
    health: healthSchema.default({
      xksProxyVendor: 'xks-proxy project',
      xksProxyModel: 'xks-proxy (TypeScript reference) 0.1.0',
      ekmVendor: 'xks-proxy project',
      xksProxyFleetSize: 1,
      ekmFleetDetails: [{ id: 'in-process-1', model: 'xks-proxy in-process AES-256-GCM key manager 0.1.0' }],
    }),
    healthCheck: healthCheckSchema.default({ intervalMs: 15_000, maxAgeMs: 60_000, slowMs: 100 }),
    keyStores: z.array(keyStoreSchema).min(1),
    limits: limitsSchema.prefault({}),
    throttling: throttlingSchema.prefault({}),
    // docs/faults.md: refused unless `xks serve --allow-faults`.
    faults: faultsSchema.optional(),
    // docs/operations.md: worker processes of `xks serve` (node:cluster); 'auto' = one per core.
    workers: z.union([z.number().int().min(1).max(256), z.literal('auto')]).default(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = (what: string, values: string[], path: (i: number) => (string | number)[]) => {
      const first = new Map<string, number>();
      values.forEach((v, i) => {
        const j = first.get(v);
        if (j === undefined) first.set(v, i);
        else ctx.addIssue({ code: 'custom', path: path(i), message: `duplicate ${what} (also used by keyStores.${j})` });
      });
    };
    seen('key store name', c.keyStores.map((s) => s.name), (i) => ['keyStores', i, 'name']);
    seen('uriPrefix', c.keyStores.map((s) => s.uriPrefix), (i) => ['keyStores', i, 'uriPrefix']);
    // docs/hsm.md: a PKCS#11 library is initialised once per process and re-initialised after a device error, which
    // would pull the sessions from under another store's calls: one store per library.
    const firstModule = new Map<string, number>();
    c.keyStores.forEach((s, i) => {
      if (s.pkcs11 === undefined) return;
      const j = firstModule.get(s.pkcs11.module);
      if (j === undefined) firstModule.set(s.pkcs11.module, i);
      else ctx.addIssue({ code: 'custom', path: ['keyStores', i, 'pkcs11', 'module'], message: `one key store per PKCS#11 library (also used by keyStores.${j})` });
    });
    // spec A12 / C67: an access key id maps to exactly one secret, across the whole proxy.
    const ids = c.keyStores.flatMap((s, i) => s.credentials.map((cr, k) => ({ id: cr.accessKeyId, i, k })));
    const firstId = new Map<string, number>();
    for (const { id, i, k } of ids) {
      const j = firstId.get(id);
      if (j === undefined) firstId.set(id, i);
      else ctx.addIssue({ code: 'custom', path: ['keyStores', i, 'credentials', k, 'accessKeyId'], message: `duplicate access key id (also in keyStores.${j})` });
    }
  });

export type RawConfig = z.infer<typeof configSchema>;
