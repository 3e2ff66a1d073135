import type { AesGcmEngine } from '../../crypto/aes-gcm.js';
import type { RandomBytes } from '../../crypto/random.js';
import { decrypt } from '../operations/decrypt.js';
import { encrypt } from '../operations/encrypt.js';
import { getHealthStatus } from '../operations/get-health-status.js';
import { getKeyMetadata } from '../operations/get-key-metadata.js';
import { requireUsableKey } from '../operations/require-usable-key.js';
import { parseDecryptRequest, parseEncryptRequest, parseGetHealthStatusRequest, parseGetKeyMetadataRequest } from '../../xks/parse-requests.js';
import type { EkmHealthStatus } from '../../xks/wire-types.js';
import type { ProxyRuntime, StoreRuntime } from './proxy-runtime.js';
import type { RequestGuards } from './request-guards.js';
import { parseJsonBody } from './request-json.js';
import type { RequestLogFields } from './request-log.js';
import type { XksRoute } from './resolve-route.js';

export interface DispatchDeps {
  readonly engine: AesGcmEngine;
  readonly random: RandomBytes;
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
}

/** The store's key; a key left out of `allowedKeyIds` is not there at all (KeyNotFoundException, as in AWS's sample). */
function keyOf(store: StoreRuntime, externalKeyId: string) {
  const allowed = store.config.allowedKeyIds;
  return allowed === undefined || allowed.includes(externalKeyId) ? store.keys.getKey(externalKeyId) : undefined;
}

/**
 * The checks after admission (docs/api.md "Order of checks"): body validation, secondary authorization, the key,
 * its state and usage, then the operation. Returns the response body; throws the spec error.
 */
export function dispatchOperation(deps: DispatchDeps, request: AdmittedRequest): unknown {
  const { route, store, runtime, log } = request;
  // parseJsonBody puts the request's metadata into the log line, valid or not.
  const json = parseJsonBody(request.contentType, request.body, log);
  const externalKeyId = route.externalKeyId ?? '';
  switch (route.operation) {
    case 'GetHealthStatus': {
      // spec A7 / A10 note: a body without kmsRequestId and kmsOperation is a ValidationException (as AWS's
      // tooling and reference proxy expect); health is exempt from secondary authorization (spec A14).
      parseGetHealthStatusRequest(json);
      return getHealthStatus(runtime.config.health, deps.ekmHealth(store));
    }
    case 'GetKeyMetadata': {
      const { requestMetadata } = parseGetKeyMetadataRequest(json);
      deps.guards.authorize(store, route, requestMetadata, log);
      return getKeyMetadata(requireUsableKey(keyOf(store, externalKeyId), externalKeyId));
    }
    case 'Encrypt': {
      const parsed = parseEncryptRequest(json);
      deps.guards.authorize(store, route, parsed.requestMetadata, log);
      return encrypt(requireUsableKey(keyOf(store, externalKeyId), externalKeyId, 'ENCRYPT'), parsed, deps);
    }
    case 'Decrypt': {
      const parsed = parseDecryptRequest(json);
      deps.guards.authorize(store, route, parsed.requestMetadata, log);
      const key = requireUsableKey(keyOf(store, externalKeyId), externalKeyId, 'DECRYPT');
      const compat = store.config.compat;
      return decrypt(key, parsed, deps.engine, {
        compatSha256Aad: compat?.sha256Aad === true,
        ...(compat?.ciphertextMetadata !== undefined && { compatCiphertextMetadata: compat.ciphertextMetadata }),
      });
    }
  }
}
