import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AesGcmEngine } from '../../crypto/aes-gcm.js';
import type { RandomBytes } from '../../crypto/random.js';
import { InvalidUriPathException, MethodNotAllowedException, toWireBody, toXksError } from '../../errors/xks-errors.js';
import { requestLineLogger, type Logger } from '../../logging/create-logger.js';
import { authenticateHeaders, verifyPayloadSignature, type PendingAuth } from '../../sigv4/index.js';
import { MAX_BODY_BYTES } from '../../xks/limits.js';
import { MAX_CLOCK_SKEW_MS, XKS_SIGV4_SERVICE } from '../../sigv4/constants.js';
import { peekRequestMetadata } from '../../xks/parse-requests.js';
import type { EkmHealthStatus } from '../../xks/wire-types.js';
import { keyStoreHealth, type ProxyRuntime, type StoreRuntime } from './proxy-runtime.js';
import { createRequestLogObserver, type RequestLogFields, type RequestObserver, type RequestOutcome } from './request-log.js';
import { createRefusalCounters, type RefusalCounters } from './refusal-counters.js';
import { createBodyBudget } from './body-budget.js';
import { resolveRoute } from './resolve-route.js';
import { lingerAfterRefusal } from './lingering-close.js';
import { bodyDeadlineMs, readBody } from './read-body.js';
import { sendJson } from './send-json.js';
import { translateAuthError } from './auth-failure.js';
import { parseJsonOrUndefined, recordMetadataOfBufferedBody } from './request-json.js';
import { createBackendResolver, dispatchOperation } from './dispatch-operation.js';
import { createRequestGuards } from './request-guards.js';
import { createRequestThrottle, type RequestThrottle } from '../throttle/request-throttle.js';
import { createCredentialUsage, type CredentialUsage } from '../usage/credential-usage.js';
import type { FaultInjector } from './fault-injector.js';
import type { DecisionLog } from '../explain/decision-log.js';
import { createDecisionObserver, explainRefusal, newDecisionTrace, type DecisionTrace } from './decision-trace.js';

export interface AppDeps {
  /** The current runtime (config, key stores, credentials); a reload swaps what this returns. */
  readonly runtime: () => ProxyRuntime;
  readonly engine: AesGcmEngine;
  /** Epoch milliseconds; tests pin it to walk the SigV4 window. */
  readonly clock: () => number;
  readonly random: RandomBytes;
  readonly logger: Logger;
  /** The key manager's health for GetHealthStatus; defaults to the key store's load state. */
  readonly ekmHealth?: (store: StoreRuntime) => EkmHealthStatus;
  /** Quota buckets and the concurrency count; pass one that outlives the app to share it (default: a fresh one). */
  readonly throttle?: RequestThrottle;
  /** Credential last-use tracker shown by `xks status` (default: a fresh one). */
  readonly credentialUsage?: CredentialUsage;
  /** Fault injection (docs/faults.md), only when `xks serve --allow-faults`. */
  readonly faults?: FaultInjector;
  /** Counts of refusals by limit; pass the process's (the listener counts into the same one). Default: a fresh one. */
  readonly refusals?: RefusalCounters;
  /**
   * Called once per finished request with its outcome record, after the request log line (src/proxy/http/request-log.ts).
   * The hook for metrics and traces: read the record, do not touch the request.
   */
  readonly observers?: readonly RequestObserver[];
  /** Recent decisions for `xks explain` and the KMS console (admin listener); tests keep one too (one code path). */
  readonly decisions: DecisionLog;
  /**
   * Connections that have carried a request with a valid signature: the listener's connection guard closes these
   * last when it needs room (src/proxy/transport/connection-guard.ts), so an attacker's reconnects cannot push a
   * signed client's keep-alive connection out. Pass the listener's set.
   */
  readonly authenticatedConnections?: { add(socket: object): void };
}

const PING_BODY = { status: 'ok' };

/**
 * A refusal sent before the request body has fully arrived (path, method, authentication, throttling, body size)
 * closes the connection, after a bounded lingering close so the client still reads its response (lingering-close.ts).
 */
function closeIfBodyUnread(
  req: IncomingMessage,
  runtime: ProxyRuntime,
  logger: Logger,
  refusals: RefusalCounters,
): Readonly<Record<string, string>> | undefined {
  if (req.complete) return undefined;
  return lingerAfterRefusal(req, runtime.config.limits, (lingerOutcome, discardedBytes) => {
    // A refused client still sending at a bound holds a socket for up to the bound: counted like every other cut.
    if (lingerOutcome === 'time-limit' || lingerOutcome === 'byte-limit') refusals.increment('lingeringCut');
    logger.debug({ lingerOutcome, discardedBytes }, 'lingering close ended');
  });
}

function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

/** The state of one request while it is served; becomes the RequestOutcome observers read. */
interface RequestState {
  readonly fields: RequestLogFields;
  authenticated: boolean;
  /** Where the request is in the order of checks, and why it was refused (src/proxy/http/decision-trace.ts). */
  readonly trace: DecisionTrace;
}

/**
 * Build the proxy's Express app. It never listens (main.ts does). Express is the shell (settings, the app object
 * tests drive); the request path is one handler, no middleware chain. Order of checks per request (docs/api.md "Order of
 * checks"): path -> method -> authentication (headers) -> body size and budget -> signature over the body ->
 * concurrency bound -> kill switch -> quota -> body -> secondary authorization -> key -> key state and usage ->
 * crypto (request-guards.ts). Connection-level bounds run before this app (src/proxy/transport/connection-guard.ts).
 */
export function createApp(deps: AppDeps): express.Express {
  const ekmHealth = deps.ekmHealth ?? ((store: StoreRuntime) => keyStoreHealth(store.keys));
  const refusals = deps.refusals ?? createRefusalCounters();
  const guards = createRequestGuards({
    throttle: deps.throttle ?? createRequestThrottle(deps.clock),
    credentialUsage: deps.credentialUsage ?? createCredentialUsage(deps.clock),
    refusals,
  });
  const dispatchDeps = { backendFor: createBackendResolver({ engine: deps.engine, random: deps.random }), guards, ekmHealth };
  const bodyBudget = createBodyBudget(() => deps.runtime().config.limits.maxBodyBytesInFlight);
  const observers: readonly RequestObserver[] = [
    createRequestLogObserver(requestLineLogger(deps.logger)),
    createDecisionObserver(deps.decisions, deps.clock),
    ...(deps.observers ?? []),
  ];

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // No XKS API uses a query string (spec A2); the raw query still goes into the SigV4 canonical request.
  app.set('query parser', false);
  app.use((req: Request, res: Response) => {
    // spec A17: an unauthenticated load-balancer probe outside /kms/xks/v1 that reveals nothing (not logged).
    if (req.url === '/ping' && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, PING_BODY);
      return;
    }
    const state: RequestState = { fields: {}, authenticated: false, trace: newDecisionTrace() };
    observeWhenDone(req, res, state);
    serve(req, res, state).catch((error: unknown) => sendError(req, res, state, error));
  });
  // Express's own errors only (the handler above catches its own): the same spec error body.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => sendError(req, res, { fields: {}, authenticated: false, trace: newDecisionTrace() }, error));

  /** Hand the finished request to every observer once: when its response finished, or its connection closed. */
  function observeWhenDone(req: IncomingMessage, res: ServerResponse, state: RequestState): void {
    const started = process.hrtime.bigint();
    // A pipelined request's response waits in Node's queue until the one before it finishes; if the connection
    // closes first, that queued response never emits 'close'. The socket's 'close' ends the record then.
    const socket = req.socket;
    const done = (): void => {
      res.off('close', done);
      socket.off('close', done);
      const finished = res.writableFinished;
      const status = finished ? res.statusCode : undefined;
      const outcome: RequestOutcome = {
        fields: state.fields,
        method: req.method ?? '',
        status,
        outcome: status === undefined ? 'aborted' : status < 400 ? 'ok' : state.authenticated ? 'error' : 'refused',
        authenticated: state.authenticated,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        decision: state.trace,
      };
      for (const observe of observers) {
        try {
          observe(outcome);
        } catch (error) {
          deps.logger.error({ err: error }, 'request observer failed');
        }
      }
    };
    res.once('close', done);
    socket.once('close', done);
  }

  async function serve(req: IncomingMessage, res: ServerResponse, state: RequestState): Promise<void> {
    const log = state.fields;
    const trace = state.trace;
    const runtime = deps.runtime();
    const { path, query } = splitUrl(req.url ?? '/');
    const route = resolveRoute(path);
    const store = route === undefined ? undefined : runtime.storesByPrefix.get(route.prefix);
    if (route === undefined || store === undefined) {
      throw new InvalidUriPathException('The URI path is not an XKS API path served by this proxy', {
        detail: `no route for ${path.slice(0, 200)}`,
      });
    }
    log.operation = route.operation;
    log.keyStore = store.config.name;
    log.externalKeyId = route.externalKeyId;
    trace.store = store;
    trace.stage = 'method';

    // spec A1 / C6: every API is POST; GET (and any other method) on an API URI is 405.
    const method = req.method ?? '';
    if (method !== 'POST') {
      log.errorName = 'UnsupportedOperationException';
      log.reason = `method ${method.slice(0, 16)} not allowed`;
      // Let the parser finish the chunk that carried the headers, so a body sent with them names its kmsRequestId.
      await undefined;
      recordMetadataOfBufferedBody(req, undefined, log);
      trace.decidedBy = 'method';
      trace.facts = { method: method.slice(0, 16), allowed: 'POST' };
      const refusal = new MethodNotAllowedException(method);
      sendJson(res, refusal.httpStatus, toWireBody(refusal), { ...refusal.headers, ...closeIfBodyUnread(req, runtime, deps.logger, refusals) });
      return;
    }

    trace.stage = 'sigv4-headers';
    const pending = authenticate(req, path, query, store, log);
    // Not proof of anything until the signature over the body verifies (issue 10: the id is not secret).
    log.accessKeyIdUnverified = pending.accessKeyId;
    log.region = pending.region;
    trace.stage = 'body-size';
    const body = await readBody(req, {
      limit: MAX_BODY_BYTES,
      deadlineMs: bodyDeadlineMs(runtime.config.limits.requestTimeoutMs),
      onTooSlow: () => {
        log.refusedBy = 'slowBody';
        refusals.increment('slowBody');
      },
      budget: bodyBudget,
      onOverBudget: () => {
        log.refusedBy = 'bodyBudget';
        refusals.increment('bodyBudget');
      },
    });
    trace.stage = 'signature';
    try {
      verifyPayloadSignature(pending, body);
    } catch (error) {
      // The body is unauthenticated: only its kmsRequestId/kmsOperation are logged, because the request id is what
      // an operator searches for when KMS reports a credential problem (spec C14). ARNs are not taken on trust.
      const { kmsRequestId, kmsOperation } = peekRequestMetadata(parseJsonOrUndefined(body));
      log.kmsRequestId = kmsRequestId;
      log.kmsOperation = kmsOperation;
      throw translateAuthError(error, log);
    }
    state.authenticated = true;
    deps.authenticatedConnections?.add(req.socket);
    log.accessKeyIdUnverified = undefined;
    log.accessKeyId = pending.accessKeyId;
    // A pipelined request whose connection closed while its body was read: nobody is left to answer.
    if (req.socket.destroyed) {
      refusals.increment('connectionGone');
      return;
    }

    trace.stage = 'concurrency';
    trace.body = body;
    const release = guards.enter(runtime, log);
    try {
      guards.admit(store, route, pending.accessKeyId, log, trace);
      const handle = () => dispatchOperation(dispatchDeps, { route, store, runtime, contentType: req.headers['content-type'], body, log, trace });
      // docs/faults.md: the one place fault injection touches the request path (after admission, around the handler).
      if (deps.faults === undefined) sendJson(res, 200, await handle());
      else await deps.faults.respond(req, res, { keyStore: store.config.name, operation: route.operation, ...(route.externalKeyId !== undefined && { externalKeyId: route.externalKeyId }) }, handle, log);
    } finally {
      release();
    }
  }

  /** The single error path: every failure leaves as {errorName, errorMessage} with the spec status (A10). */
  function sendError(req: IncomingMessage, res: ServerResponse, state: RequestState, error: unknown): void {
    const xksError = toXksError(error);
    const log = state.fields;
    log.errorName = xksError.errorName;
    log.reason = xksError.detail ?? xksError.message;
    // A refusal decided before the body was read still names its kmsRequestId when the body already arrived.
    if (log.kmsRequestId === undefined) recordMetadataOfBufferedBody(req, state.trace.body, log);
    explainRefusal(state.trace, xksError, log);
    if (xksError.errorName === 'InternalException') deps.logger.error({ err: error, kmsRequestId: log.kmsRequestId }, 'internal error');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (req.socket.destroyed) return;
    const unread = closeIfBodyUnread(req, deps.runtime(), deps.logger, refusals);
    sendJson(res, xksError.httpStatus, toWireBody(xksError), unread === undefined ? xksError.headers : { ...xksError.headers, ...unread });
  }

  function authenticate(req: IncomingMessage, path: string, query: string, store: StoreRuntime, log: RequestLogFields): PendingAuth {
    try {
      return authenticateHeaders(
        { method: req.method ?? '', path, query, rawHeaders: req.rawHeaders },
        {
          service: XKS_SIGV4_SERVICE,
          acceptsRegion: (region) => store.regions.has(region),
          maxSkewMs: MAX_CLOCK_SKEW_MS,
          now: deps.clock(),
          secretFor: (id) => store.secrets.get(id),
          signingKeyCache: store.signingKeyCache,
        },
      );
    } catch (error) {
      throw translateAuthError(error, log);
    }
  }

  return app;
}
