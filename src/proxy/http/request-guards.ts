import { evaluatePolicy, type AuthorizationRequest } from '../authz/policy.js';
import { AccessDeniedException, InvalidStateException, ThrottlingException } from '../../errors/xks-errors.js';
import type { CredentialUsage } from '../usage/credential-usage.js';
import type { RequestMetadata } from '../../xks/wire-types.js';
import type { ProxyRuntime, StoreRuntime } from './proxy-runtime.js';
import type { RequestLogFields } from './request-log.js';
import type { XksRoute } from './resolve-route.js';
import type { RequestThrottle } from '../throttle/request-throttle.js';
import type { RefusalCounters } from './refusal-counters.js';
import type { CheckStage } from './decision-trace.js';

/**
 * The per-request checks of docs/api.md, in the order create-app.ts calls them:
 * enter (global concurrency, once the signature verified) -> admit (credential use, kill switch, quota) ->
 * authorize (after body validation, before key lookup; spec A14). Each throws the spec error; none sends a response.
 */
export interface RequestGuards {
  /**
   * Global concurrency bound on authenticated requests being processed: returns the release function, or throws
   * ThrottlingException (never queued). Taken after the signature verified, so an unauthenticated client never
   * holds a slot (issue 10: headers with a known access key id and a body that never comes).
   */
  enter(runtime: ProxyRuntime, log: RequestLogFields): () => void;
  /** After a successful signature check. */
  admit(store: StoreRuntime, route: XksRoute, accessKeyId: string, log: RequestLogFields, trace: CheckStage): void;
  /** Secondary authorization; GetHealthStatus never comes here (spec A7, A14, C41). */
  authorize(store: StoreRuntime, route: XksRoute, metadata: Partial<RequestMetadata>, log: RequestLogFields): void;
}

const RETRY_AFTER = { 'Retry-After': '1' };

export function createRequestGuards(deps: { throttle: RequestThrottle; credentialUsage: CredentialUsage; refusals: RefusalCounters }): RequestGuards {
  return {
    enter(runtime, log) {
      const release = deps.throttle.tryEnter(runtime.config.throttling.maxConcurrentRequests);
      if (release === undefined) {
        log.refusedBy = 'concurrency';
        deps.refusals.increment('concurrency');
        throw new ThrottlingException('The proxy is at its limit of concurrent requests; retry later', {
          detail: `throttling.maxConcurrentRequests ${runtime.config.throttling.maxConcurrentRequests} reached`,
          headers: RETRY_AFTER,
        });
      }
      return release;
    },

    admit(store, route, accessKeyId, log, trace) {
      const { config } = store;
      trace.stage = 'kill-switch';
      // The request's own log line says when an access key id is seen for the first time since start (rotation).
      if (deps.credentialUsage.record(config.name, accessKeyId)) log.credentialFirstUse = true;
      // Kill switch: the whole store answers InvalidStateException (spec A10 lists it for every API), health included.
      if (config.blocked !== undefined) {
        const { by, at, reason } = config.blocked;
        throw new InvalidStateException('This key store is blocked at the proxy', {
          detail: `key store blocked by ${by} at ${at}${reason === undefined ? '' : `: ${reason}`}`,
        });
      }
      // spec A2 / C8: a quota per path prefix. Health is not counted: it is cheap and KMS must see the truth.
      trace.stage = 'quota';
      if (route.operation !== 'GetHealthStatus' && !deps.throttle.tryQuota(config.name, config.quota)) {
        log.refusedBy = 'quota';
        deps.refusals.increment('quota');
        throw new ThrottlingException('The request rate for this key store is above its quota; slow down', {
          detail: `keyStores.${config.name}.quota ${config.quota.requestsPerSecond}/s burst ${config.quota.burst} exceeded`,
          headers: RETRY_AFTER,
        });
      }
    },

    authorize(store, route, metadata, log) {
      const authorization = store.config.authorization;
      if (authorization === undefined) return;
      const request: AuthorizationRequest = {
        operation: route.operation,
        externalKeyId: route.externalKeyId,
        awsPrincipalArn: metadata.awsPrincipalArn,
        kmsKeyArn: metadata.kmsKeyArn,
        kmsOperation: metadata.kmsOperation,
        kmsViaService: metadata.kmsViaService,
        awsSourceVpc: metadata.awsSourceVpc,
        awsSourceVpce: metadata.awsSourceVpce,
      };
      const { decision, rule } = evaluatePolicy(authorization.policy, request);
      log.authzDecision = decision;
      log.authzRule = rule;
      if (decision === 'deny') {
        // spec A14 / C60: the log names the deciding rule; the client learns nothing about the policy.
        throw new AccessDeniedException('The proxy authorization policy denies this request', {
          detail: `denied by rule ${rule} of ${authorization.file}`,
        });
      }
    },
  };
}
