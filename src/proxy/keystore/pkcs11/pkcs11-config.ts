/**
 * What a PKCS#11 key backend needs, validated by src/proxy/config/pkcs11-schema.ts from a key store's `pkcs11` block
 * (docs/hsm.md, docs/configuration.md). Stable shape: the aws-sample backend (issue 24) reads it too.
 */
export const IV_GENERATIONS = ['proxy', 'hsm-zero-iv', 'hsm-iv-after-tag'] as const;
/** Who draws the GCM IV: the proxy with C_GenerateRandom, or the HSM (zero IV filled in, or IV after the tag). */
export type IvGeneration = (typeof IV_GENERATIONS)[number];

export interface Pkcs11Config {
  /** Absolute path of the vendor's PKCS#11 library. */
  readonly module: string;
  /** The token's label (never "the first slot"). */
  readonly tokenLabel: string;
  /** Resolved from pinFile or pinEnv; never logged, never shown. */
  readonly pin: string;
  /** Where the PIN came from, for messages: the file's path or `$NAME`. */
  readonly pinSource: string;
  readonly ivGeneration: IvGeneration;
  /** Sessions this process keeps open to the token. */
  readonly sessions: number;
  /** Threads that run the per-request PKCS#11 calls off the event loop (hsm-threads.ts). */
  readonly threads: number;
  /** Deadline of one request's HSM work (waiting for a session included). */
  readonly callTimeoutMs: number;
  /** How long a found key (or a key found missing) is trusted before the token is asked again. */
  readonly keyCacheMs: number;
  /** Run the cipher calls with a session copy of each key (key-copies.ts) while its cache entry lasts. */
  readonly sessionCopies: boolean;
}
