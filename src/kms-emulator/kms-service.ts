/**
 * The KMS emulator's service layer: one object per KMS resource, all sharing one state store, one key resolver
 * and one proxy client. Callable without the wire layer (typed input, typed output, KmsException on error): the
 * awsJson1_1 adapter (create-kms-app.ts) and the browser console both go through it.
 */
import { createAliasService, type AliasService } from './resources/aliases.js';
import { createCryptoService, type CryptoService } from './resources/crypto-operations.js';
import { createCustomKeyStoreService, type CustomKeyStoreService, type CustomKeyStoreStatus } from './custom-key-stores/custom-key-stores.js';
import { createGrantService, type GrantService } from './resources/grants.js';
import { createKeyPolicyService, type KeyPolicyService } from './resources/key-policies.js';
import { createKeyAccess, type KeyAccess } from './resources/key-access.js';
import { createKeyResolver, type KeyResolver } from './resources/key-resolver.js';
import { createRotationService, type RotationService } from './resources/key-rotation.js';
import { createKeySealing } from './resources/key-sealing.js';
import { createKeyService, type KeyService } from './resources/keys.js';
import type { KmsServiceDeps } from './context/service-context.js';
import { createTagService, type TagService } from './resources/tags.js';
import type { ProxyConnectionStats } from '../xks-client/xks-connection-pool.js';

export interface KmsService {
  readonly customKeyStores: CustomKeyStoreService;
  readonly keys: KeyService;
  readonly crypto: CryptoService;
  readonly aliases: AliasService;
  readonly tags: TagService;
  readonly keyPolicies: KeyPolicyService;
  readonly grants: GrantService;
  readonly rotation: RotationService;
  /** Key policies and grants decide; the recent decisions. */
  readonly access: KeyAccess;
  /** Key lookup by id, ARN, alias name or alias ARN (for views that show one key). */
  readonly resolver: KeyResolver;
  /** Finish transitions interrupted by a restart; restart health checks of CONNECTED stores. */
  resume(): void;
  /** Stores with their state and last KmsHealthCheck; per proxy: connections, queue, and who is the bottleneck. */
  statusView(): { readonly customKeyStores: CustomKeyStoreStatus[]; readonly proxyConnections: readonly ProxyConnectionStats[] };
  /** Resolves when no custom key store transition is pending (tests). */
  idle(): Promise<void>;
  close(): void;
}

export function createKmsService(deps: KmsServiceDeps): KmsService {
  const resolver = createKeyResolver(deps);
  const sealing = createKeySealing(deps, resolver);
  const customKeyStores = createCustomKeyStoreService(deps);
  const access = createKeyAccess(deps, resolver, sealing);
  return {
    customKeyStores,
    keys: createKeyService(deps, resolver, access),
    crypto: createCryptoService(deps, resolver, sealing),
    aliases: createAliasService(deps, resolver),
    tags: createTagService(deps, resolver),
    keyPolicies: createKeyPolicyService(deps, resolver, access),
    grants: createGrantService(deps, resolver),
    rotation: createRotationService(deps, resolver),
    resolver,
    access,
    resume: () => customKeyStores.resume(),
    statusView: () => ({ customKeyStores: customKeyStores.statusView(), proxyConnections: deps.proxyConnections?.() ?? [] }),
    idle: () => customKeyStores.idle(),
    close: () => customKeyStores.close(),
  };
}
