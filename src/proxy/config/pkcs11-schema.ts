import { z } from 'zod';
import { IV_GENERATIONS, type Pkcs11Config } from '../keystore/pkcs11/pkcs11-config.js';

export { IV_GENERATIONS, type IvGeneration, type Pkcs11Config } from '../keystore/pkcs11/pkcs11-config.js';

/**
 * A key store's `pkcs11` block (docs/hsm.md, docs/configuration.md): the keys are in an HSM token, reached through
 * the vendor's PKCS#11 library. Stable shape: the aws-sample backend (issue 24) reads the same block.
 */

/** KMS waits 250 ms for the proxy (spec A1); an HSM call's deadline must leave room for the rest of the request. */
export const MAX_PKCS11_CALL_TIMEOUT_MS = 240;

export const pkcs11Schema = z
  .object({
    /** The vendor's PKCS#11 library (a shared object), e.g. /usr/lib/softhsm/libsofthsm2.so. */
    module: z.string().min(1),
    /** The token, by its CKA label (never "the first slot"). */
    tokenLabel: z.string().min(1).max(32, 'a PKCS#11 token label is at most 32 bytes'),
    pinFile: z.string().min(1).optional(),
    pinEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    /** Who draws the GCM IV: the proxy with C_GenerateRandom, or the HSM (zero IV filled in, or IV after the tag). */
    ivGeneration: z.enum(IV_GENERATIONS).default('proxy'),
    /**
     * Sessions this process keeps open to the token (each request holds one for its HSM calls). 32: at a constant
     * 1800 req/s, 4 were the bottleneck (requests queued for a session; docs/hsm.md "How fast"); AWS's sample uses 30.
     */
    sessions: z.number().int().min(1).max(256).default(32),
    /**
     * Threads that run each request's PKCS#11 calls (C_EncryptInit, C_Encrypt, ...) so the event loop never waits
     * for the HSM; each runs one call at a time (about 25 MiB of memory each). 2: SoftHSM2 needs no more, and an HSM
     * answering in 1 ms then serves 2000 calls/s; every thread in use costs CPU (4 cost 7-15 % more per Encrypt on
     * SoftHSM2). A slower HSM needs more: rate x latency (s), e.g. 4 for 1800 calls/s at 2 ms (docs/hsm.md).
     */
    threads: z.number().int().min(1).max(64).default(2),
    /** Deadline of one request's HSM work (waiting for a session included); past it: DependencyTimeoutException. */
    callTimeoutMs: z.number().int().min(10).max(MAX_PKCS11_CALL_TIMEOUT_MS).default(200),
    /** How long a found key (or a key found missing) is trusted before the token is asked again. */
    keyCacheMs: z.number().int().min(0).max(60_000).default(2_000),
    /**
     * Run the cipher calls with a session copy of each key (C_CopyObject, CKA_TOKEN false) for as long as its cache
     * entry lasts: on SoftHSM2 a token object is read from its file at every C_EncryptInit, a copy is in memory.
     */
    sessionCopies: z.boolean().default(true),
  })
  .strict()
  .refine((p) => (p.pinFile === undefined) !== (p.pinEnv === undefined), { message: 'give exactly one of pinFile or pinEnv (never a PIN in the config)' });

export type RawPkcs11Config = z.infer<typeof pkcs11Schema>;

/** Resolve the block: the PIN from its file or variable. Problems name the field, never the PIN. */
export function resolvePkcs11(
  block: RawPkcs11Config,
  ctx: { abs: (p: string) => string; readFile: (p: string) => string; env: Readonly<Record<string, string | undefined>>; where: string; problems: string[] },
): Pkcs11Config {
  let pin = '';
  let pinSource: string;
  if (block.pinFile !== undefined) {
    pinSource = ctx.abs(block.pinFile);
    try {
      pin = ctx.readFile(pinSource).replace(/\r?\n$/, '');
      if (pin === '') ctx.problems.push(`${ctx.where}.pinFile: ${pinSource} is empty`);
    } catch (error) {
      ctx.problems.push(`${ctx.where}.pinFile: cannot read ${pinSource} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  } else {
    const name = block.pinEnv ?? '';
    pinSource = `$${name}`;
    pin = ctx.env[name] ?? '';
    if (pin === '') ctx.problems.push(`${ctx.where}.pinEnv: environment variable ${name} is not set or empty`);
  }
  return {
    module: ctx.abs(block.module),
    tokenLabel: block.tokenLabel,
    pin,
    pinSource,
    ivGeneration: block.ivGeneration,
    sessions: block.sessions,
    threads: block.threads,
    callTimeoutMs: block.callTimeoutMs,
    keyCacheMs: block.keyCacheMs,
    sessionCopies: block.sessionCopies,
  };
}
