/**
 * When each access key id was last used and how often (spec A12 rotation step 3: "wait until KMS has switched").
 * Lives outside the runtime, keyed by key store name and access key id, so it survives configuration reloads.
 */
export interface CredentialUse {
  /** Epoch ms of the last authenticated request. */
  readonly lastUsedAt: number;
  readonly requestCount: number;
}

export interface CredentialUsage {
  /** Record one authenticated request; returns true on the first use since the proxy started. */
  record(keyStore: string, accessKeyId: string): boolean;
  get(keyStore: string, accessKeyId: string): CredentialUse | undefined;
}

export function createCredentialUsage(clock: () => number): CredentialUsage {
  const uses = new Map<string, { lastUsedAt: number; requestCount: number }>();
  const keyOf = (store: string, id: string) => `${store}\u0000${id}`;
  return {
    record(keyStore, accessKeyId) {
      const key = keyOf(keyStore, accessKeyId);
      const use = uses.get(key);
      if (use === undefined) {
        uses.set(key, { lastUsedAt: clock(), requestCount: 1 });
        return true;
      }
      use.lastUsedAt = clock();
      use.requestCount += 1;
      return false;
    },
    get(keyStore, accessKeyId) {
      const use = uses.get(keyOf(keyStore, accessKeyId));
      return use === undefined ? undefined : { ...use };
    },
  };
}
