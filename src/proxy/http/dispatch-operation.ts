import type { AesGcmEngine } from '../../crypto/aes-gcm.js';
import type { RandomBytes } from '../../crypto/random.js';
import { decrypt } from '../operations/decrypt.js';
import { encrypt } from '../operations/encrypt.js';
import { getHealthStatus } from '../operations/get-health-status.js';
import { getKeyMetadata } from '../operations/get-key-metadata.js';
import { requireEnabled, requireKey, requireUsage } from '../operations/require-usable-key.js';
import type { KeyUsage, XksKey } from '../keystore/key-store.js';
import { parseDecryptRequest, parseEncryptRequest, parseGetHealthStatusRequest, parseGetKeyMetadataRequest } from '../../xks/parse-requests.js';
import type { EkmHealthStatus } from '../../xks/wire-types.js';
import type { ProxyRuntime, StoreRuntime } from './proxy-runtime.js';
import type { CheckStage } from './decision-trace.js';
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
  /** Each check below names itself here before it runs (the decision log's deciding check). */
  readonly trace: CheckStage;
}

/**
 * The checks after admission (docs/api.md "Order of checks"): body validation, secondary authorization, the key,
 * its state and usage, then the operation. Returns the response body; throws the spec error.
 */
export function dispatchOperation(deps: DispatchDeps, request: AdmittedRequest): unknown {
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
      return getHealthStatus(runtime.config.health, deps.ekmHealth(store));
    }
    case 'GetKeyMetadata': {
      const { requestMetadata } = parseGetKeyMetadataRequest(json);
      trace.stage = 'authorization';
      deps.guards.authorize(store, route, requestMetadata, log);
      trace.stage = 'key';
      return getKeyMetadata(requireKey(store.keys.getKey(externalKeyId), externalKeyId));
    }
    case 'Encrypt': {
      const parsed = parseEncryptRequest(json);
      trace.stage = 'authorization';
      deps.guards.authorize(store, route, parsed.requestMetadata, log);
      const key = usableKey(store, externalKeyId, 'ENCRYPT', trace);
      trace.stage = 'crypto';
      return encrypt(key, parsed, deps);
    }
    case 'Decrypt': {
      const parsed = parseDecryptRequest(json);
      trace.stage = 'authorization';
      deps.guards.authorize(store, route, parsed.requestMetadata, log);
      const key = usableKey(store, externalKeyId, 'DECRYPT', trace);
      trace.stage = 'crypto';
      return decrypt(key, parsed, deps.engine, { compatSha256Aad: store.config.compat?.sha256Aad === true });
    }
  }
}

/** The key checks in their documented order, each naming itself: exists, enabled, usage allowed. */
function usableKey(store: StoreRuntime, externalKeyId: string, usage: KeyUsage, trace: CheckStage): XksKey {
  trace.stage = 'key';
  const key = requireKey(store.keys.getKey(externalKeyId), externalKeyId);
  trace.stage = 'key-state';
  requireEnabled(key);
  trace.stage = 'key-usage';
  requireUsage(key, usage);
  return key;
}
