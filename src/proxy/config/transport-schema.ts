import { z } from 'zod';
import { MAX_BODY_BYTES } from '../../xks/limits.js';

/**
 * Configuration for transport security, limits, throttling, secondary authorization and kill switches
 * (docs/configuration.md documents every field and default). Kept apart from config-schema.ts so the
 * core schema stays small; config-schema.ts plugs these in.
 */

/** spec A16: KMS's own default quota per external key store is 1800 requests per second. */
export const DEFAULT_REQUESTS_PER_SECOND = 1800;

/**
 * The front door's bounds (docs/configuration.md "Limits and slow clients"). KMS sends each request at once and gives a call
 * 250 ms (spec A16), so the timeouts are short for KMS and still generous for a slow network.
 */
export const DEFAULT_LIMITS = Object.freeze({
  maxConnections: 4096,
  reservedConnections: 128,
  maxConnectionsPerAddress: 0,
  listenBacklog: 4096,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 5_000,
  keepAliveTimeoutMs: 65_000,
  tlsHandshakeTimeoutMs: 5_000,
  maxHeaderBytes: 16_384,
  // After a refusal sent before the body was read: read and discard for at most this long / this much (nginx-like).
  lingeringCloseMs: 5_000,
  lingeringCloseMaxBytes: 8 * 1024 * 1024,
  maxPipelinedRequests: 16,
  maxPipelinedBytes: 1_048_576,
  maxBodyBytesInFlight: 67_108_864,
});

export const DEFAULT_MAX_CONCURRENT_REQUESTS = 1024;

/**
 * A subject pattern for mTLS: a DNS name in which `*` stands for exactly one label, e.g. `cks.kms.*.amazonaws.com`
 * (spec A13: KMS presents CN=cks.kms.<region>.amazonaws.com).
 */
export const SUBJECT_PATTERN = /^(\*|[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.(\*|[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?))*$/;

export const clientAuthSchema = z
  .object({
    caFile: z.string().min(1),
    allowedSubjects: z
      .array(z.string().max(253).regex(SUBJECT_PATTERN, 'must be a DNS name; `*` stands for exactly one label (e.g. cks.kms.*.amazonaws.com)'))
      .min(1, 'list at least one allowed client subject (spec A13)'),
  })
  .strict();

export const tlsSchema = z
  .object({
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
    clientAuth: clientAuthSchema.optional(),
  })
  .strict();

const ms = (max: number) => z.number().int().min(1).max(max);

export const limitsSchema = z
  .object({
    maxConnections: z.number().int().min(1).max(1_000_000).default(DEFAULT_LIMITS.maxConnections),
    reservedConnections: z.number().int().min(0).max(1_000_000).default(DEFAULT_LIMITS.reservedConnections),
    /** 0 = no limit (behind a load balancer every connection comes from the same address). */
    maxConnectionsPerAddress: z.number().int().min(0).max(1_000_000).default(DEFAULT_LIMITS.maxConnectionsPerAddress),
    /** Connections the kernel queues before the proxy accepts them (capped by net.core.somaxconn). */
    listenBacklog: z.number().int().min(1).max(65_535).default(DEFAULT_LIMITS.listenBacklog),
    headersTimeoutMs: ms(600_000).default(DEFAULT_LIMITS.headersTimeoutMs),
    requestTimeoutMs: ms(600_000).default(DEFAULT_LIMITS.requestTimeoutMs),
    keepAliveTimeoutMs: ms(3_600_000).default(DEFAULT_LIMITS.keepAliveTimeoutMs),
    tlsHandshakeTimeoutMs: ms(600_000).default(DEFAULT_LIMITS.tlsHandshakeTimeoutMs),
    maxHeaderBytes: z.number().int().min(1024).max(1_048_576).default(DEFAULT_LIMITS.maxHeaderBytes),
    lingeringCloseMs: z.number().int().min(0).max(60_000).default(DEFAULT_LIMITS.lingeringCloseMs),
    lingeringCloseMaxBytes: z.number().int().min(0).max(1_073_741_824).default(DEFAULT_LIMITS.lingeringCloseMaxBytes),
    maxPipelinedRequests: z.number().int().min(1).max(10_000).default(DEFAULT_LIMITS.maxPipelinedRequests),
    // At least one request of the largest size we read, so the budget never refuses a single request.
    maxPipelinedBytes: z.number().int().min(MAX_BODY_BYTES).max(1_073_741_824).default(DEFAULT_LIMITS.maxPipelinedBytes),
    maxBodyBytesInFlight: z.number().int().min(MAX_BODY_BYTES).max(17_179_869_184).default(DEFAULT_LIMITS.maxBodyBytesInFlight),
  })
  .strict()
  .refine((l) => l.requestTimeoutMs >= l.headersTimeoutMs, {
    message: 'requestTimeoutMs must be at least headersTimeoutMs',
    path: ['requestTimeoutMs'],
  })
  .refine((l) => l.reservedConnections < l.maxConnections, {
    message: 'reservedConnections must be below maxConnections',
    path: ['reservedConnections'],
  });

export const throttlingSchema = z
  .object({ maxConcurrentRequests: z.number().int().min(1).max(1_000_000).default(DEFAULT_MAX_CONCURRENT_REQUESTS) })
  .strict();

export const quotaSchema = z
  .object({
    requestsPerSecond: z.number().positive().max(1_000_000).default(DEFAULT_REQUESTS_PER_SECOND),
    /** Tokens the bucket holds; default: one second's worth. */
    burst: z.number().int().min(1).max(10_000_000).optional(),
  })
  .strict();

/** Who changed a kill switch, when and why: logged at every load so the log says who/when. */
export const changeRecordFields = {
  by: z.string().min(1).max(256),
  at: z
    .string()
    .max(64)
    .refine((v) => !Number.isNaN(Date.parse(v)), 'must be a date, e.g. 2026-11-28T12:00:00Z'),
  reason: z.string().max(1024).optional(),
};

export const blockedSchema = z.object(changeRecordFields).strict();

/** Optional who/when/why on a single-key override (keyStores[].keys.<id>). */
export const keyOverrideChangeFields = {
  by: changeRecordFields.by.optional(),
  at: changeRecordFields.at.optional(),
  reason: changeRecordFields.reason,
};
