import type { AesGcmEngine } from '../../crypto/aes-gcm.js';
import type { RandomBytes } from '../../crypto/random.js';
import type { KeyOverride } from '../config/load-config.js';
import { createFileKeyBackend } from '../keystore/file-key-backend.js';
import type { KeyBackend } from '../keystore/key-backend.js';
import type { KeyInfo, KeyUsage } from '../keystore/key-store.js';
import { decrypt } from '../operations/decrypt.js';
import { encrypt } from '../operations/encrypt.js';
import { getHealthStatus } from '../operations/get-health-status.js';
import { getKeyMetadata } from '../operations/get-key-metadata.js';
import { requireEnabled, requireKey, requireUsage } from '../operations/require-usable-key.js';
import { parseDecryptRequest, parseEncryptRequest, parseGetHealthStatusRequest, parseGetKeyMetadataRequest } from '../../xks/parse-requests.js';
import type { EkmHealthStatus } from '../../xks/wire-types.js';
import type { ProxyRuntime, StoreRuntime } from './proxy-runtime.js';
import type { CheckStage } from './decision-trace.js';
import type { RequestGuards } from './request-guards.js';
import { parseJsonBody } from './request-json.js';
import type { RequestLogFields } from './request-log.js';
import type { XksRoute } from './resolve-route.js';

export interface DispatchDeps {
  /** The store's key backend: its own (PKCS#11) or the file backend over its loaded keys. */
  readonly backendFor: (store: StoreRuntime) => KeyBackend;
  readonly guards: RequestGuards;
  readonly ekmHealth: (store: StoreRuntime) => EkmHealthStatus;
}

/** One admitted request, from its body to the operation's answer. */
export interface AdmittedRequest {
  readonly route: XksRoute;
  readonly store: StoreRuntime;
  readonly runtime: ProxyRuntime;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  readonly log: RequestLogFields;
  /** Each check below names itself here before it runs (the decision log's deciding check). */
  readonly trace: CheckStage;
}

/** The store's key; a key left out of `allowedKeyIds` is not there at all (KeyNotFoundException, as in AWS's sample). */
async function keyOf(backend: KeyBackend, store: StoreRuntime, externalKeyId: string): Promise<KeyInfo | undefined> {
  const allowed = store.config.allowedKeyIds;
  return allowed === undefined || allowed.includes(externalKeyId) ? backend.getKey(externalKeyId) : undefined;
}

/**
 * Each store's backend, created once per store runtime (a reload makes new runtimes; the old ones are collected).
 * A store with its own backend (PKCS#11) brings it; a key directory's store gets the file backend over its keys.
 */
export function createBackendResolver(crypto: { readonly engine: AesGcmEngine; readonly random: RandomBytes }): (store: StoreRuntime) => KeyBackend {
  const backends = new WeakMap<StoreRuntime, KeyBackend>();
  return (store) => {
    let backend = backends.get(store);
    if (backend === undefined) {
      backend = store.backend === undefined ? createFileKeyBackend(store.keys, crypto) : withKeyOverrides(store.backend, store.config.keys);
      backends.set(store, backend);
    }
    return backend;
  };
}

/**
 * The configuration's per-key overrides (keyStatus, keyUsage: the single-key kill switch, docs/hsm.md "DISABLED")
 * over a backend that does not apply them itself. The key files' store has them applied at load (applyKeyOverrides).
 */
function withKeyOverrides(backend: KeyBackend, overrides: Readonly<Record<string, KeyOverride>>): KeyBackend {
  if (Object.keys(overrides).length === 0) return backend;
  return Object.freeze({
    ...backend,
    kind: backend.kind,
    getKey: async (externalKeyId: string): Promise<KeyInfo | undefined> => {
      const key = await backend.getKey(externalKeyId);
      const o = key !== undefined && Object.hasOwn(overrides, externalKeyId) ? overrides[externalKeyId] : undefined;
      if (key === undefined || o === undefined) return key;
      return Object.freeze({ ...key, keyStatus: o.keyStatus ?? key.keyStatus, keyUsage: Object.freeze([...(o.keyUsage ?? key.keyUsage)]) });
    },
  });
}

/**
 * The checks after admission (docs/api.md "Order of checks"): body validation, secondary authorization, the key,
 * its state and usage, then the operation. Returns the response body; throws the spec error.
 */
export async function dispatchOperation(deps: DispatchDeps, request: AdmittedRequest): Promise<unknown> {
  const { route, store, runtime, log, trace } = request;
  trace.stage = 'body';
  // parseJsonBody puts the request's metadata into the log line, valid or not.
  const json = parseJsonBody(request.contentType, request.body, log);
  const externalKeyId = route.externalKeyId ?? '';
  switch (route.operation) {
    case 'GetHealthStatus': {
      // spec A7 / A10 note: a body without kmsRequestId and kmsOperation is a ValidationException (as AWS's
      // tooling and reference proxy expect); health is exempt from secondary authorization (spec A14).
      parseGetHealthStatusRequest(json);
      // docs/hsm.md: an HSM store's key manager is its token, reported as the one ekmFleetDetails entry.
      const hsm = store.backend?.stats();
      const identity = hsm?.token === undefined ? runtime.config.health : { ...runtime.config.health, ekmFleetDetails: [{ id: hsm.token, model: hsm.tokenModel ?? 'PKCS#11 token' }] };
      return getHealthStatus(identity, deps.ekmHealth(store));
    }
    case 'GetKeyMetadata': {
      const { requestMetadata } = parseGetKeyMetadataRequest(json);
      trace.stage = 'authorization';
      deps.guards.authorize(store, route, requestMetadata, log);
      trace.stage = 'key';
      return getKeyMetadata(requireKey(await keyOf(deps.backendFor(store), store, externalKeyId), externalKeyId));
    }
    case 'Encrypt': {
      const parsed = parseEncryptRequest(json);
      trace.stage = 'authorization';
      deps.guards.authorize(store, route, parsed.requestMetadata, log);
      const backend = deps.backendFor(store);
      const key = await usableKey(backend, store, externalKeyId, 'ENCRYPT', trace);
      trace.stage = 'crypto';
      return encrypt(key, parsed, backend);
    }
    case 'Decrypt': {
      const parsed = parseDecryptRequest(json);
      trace.stage = 'authorization';
      deps.guards.authorize(store, route, parsed.requestMetadata, log);
      const backend = deps.backendFor(store);
      const key = await usableKey(backend, store, externalKeyId, 'DECRYPT', trace);
      trace.stage = 'crypto';
      const compat = store.config.compat;
      return decrypt(key, parsed, backend, {
        compatSha256Aad: compat?.sha256Aad === true,
        ...(compat?.ciphertextMetadata !== undefined && { compatCiphertextMetadata: compat.ciphertextMetadata }),
      });
    }
  }
}

/** The key checks in their documented order, each naming itself: exists, enabled, usage allowed. */
async function usableKey(backend: KeyBackend, store: StoreRuntime, externalKeyId: string, usage: KeyUsage, trace: CheckStage): Promise<KeyInfo> {
  trace.stage = 'key';
  const key = requireKey(await keyOf(backend, store, externalKeyId), externalKeyId);
  trace.stage = 'key-state';
  requireEnabled(key);
  trace.stage = 'key-usage';
  requireUsage(key, usage);
  return key;
}
