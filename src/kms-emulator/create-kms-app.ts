/**
 * The KMS emulator as an Express app (spec B7): `POST /` with `X-Amz-Target: TrentService.<Operation>`,
 * awsJson1_1 bodies, errors as `{"__type","message"}` with the status of B8. Built from injected dependencies;
 * never listens. `GET /_emulator/status` is the status view (stores, states, last KmsHealthCheck).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { CustomKeyStoreService } from './custom-key-stores/custom-key-stores.js';
import type { KmsEmulatorConfig } from './context/kms-config.js';
import { KmsException, kmsError, toKmsException, toKmsWireBody } from './wire/kms-exceptions.js';
import { createKmsService, type KmsService } from './kms-service.js';
import { buildDispatchTable } from './operation-table.js';
import type { KmsServiceDeps } from './context/service-context.js';
import { accessKeyIdOf, authenticateKmsRequest } from './wire/authenticate-kms-request.js';
import { accountOfPrincipalArn, resolveCaller, type Identity } from './access/identities.js';
import { KMS_CONTENT_TYPE, parseKmsBody, parseTarget } from './wire/kms-protocol.js';
import { createXksClient, type XksTransport } from '../xks-client/xks-client.js';
import { createXksConnectionPool, DEFAULT_POOL_OPTIONS } from '../xks-client/xks-connection-pool.js';
import { createTrust, postToXksProxy } from '../xks-client/xks-transport.js';
import { createProxyCallLog, type ProxyCallLog } from './custom-key-stores/proxy-call-log.js';
import { createConsoleRouter, type ConsoleDeps, type InvokeResult } from './console/create-console-router.js';
import { createHostRefusals } from '../net/local-host.js';
import { createLocalHostGuard } from './local-host-guard.js';

export interface KmsAppDeps extends Omit<KmsServiceDeps, 'xks'> {
  /** Defaults to real sockets; tests may inject a fake. */
  readonly transport?: XksTransport;
  /** The KMS console at /console (default: on, loopback clients only); false: off. */
  readonly console?: Pick<ConsoleDeps, 'access' | 'explain'> | false;
  /** Host names besides loopback ones the listener answers under (`xks kms --allow-host`); others get refused. */
  readonly allowedHosts?: readonly string[];
}

export interface KmsApp {
  readonly app: express.Express;
  /** The service layer behind the wire (for the console and tests). */
  readonly service: KmsService;
  /** = service.customKeyStores */
  readonly customKeyStores: CustomKeyStoreService;
  /** Every call made to an XKS proxy (the console's Proxy calls page). */
  readonly proxyCalls: ProxyCallLog;
  /** Run a KMS operation through the wire API's dispatch table (the console's only way to read or change state). */
  invoke(operation: string, body: Record<string, unknown>): Promise<InvokeResult>;
  close(): void;
}

/** Non-standard header a caller may set to rehearse `kmsViaService` (spec A3), e.g. `ebs`. */
export const VIA_SERVICE_HEADER = 'x-emulator-kms-via-service';
const MAX_BODY = '1mb';

export function createKmsApp(deps: KmsAppDeps): KmsApp {
  const { config, logger } = deps;
  // Keep-alive connections and a bounded queue per proxy: the 250 ms budget measures the proxy, not the emulator.
  const pool = createXksConnectionPool(
    { ...DEFAULT_POOL_OPTIONS, maxConnections: config.proxyMaxConnections, queueLimit: config.proxyQueueLimit, queueTimeoutMs: config.proxyQueueTimeoutMs },
    logger,
  );
  const calls = createProxyCallLog(deps.transport ?? postToXksProxy, deps.clock);
  const xks = createXksClient({ ...transportOptions(config), now: () => new Date(deps.clock()), pool }, calls.transport);
  const service = createKmsService({ ...deps, xks, proxyConnections: () => pool.stats() });
  const operations = buildDispatchTable(service);

  /** The console's entry: the same dispatch table as `POST /`, logged like a wire request. */
  async function invoke(operation: string, body: Record<string, unknown>): Promise<InvokeResult> {
    const requestId = deps.randomUUID();
    const handler = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
    try {
      if (handler === undefined) throw kmsError.UnknownOperationException(`${operation} is not an operation of the KMS API (TrentService).`);
      const caller = defaultCaller(config, undefined);
      const response = await handler(body, { requestId, principalArn: caller.principalArn, viaService: undefined, caller });
      logger.info({ kmsRequestId: requestId, operation, status: 200, source: 'console' }, 'kms request');
      return { ok: true, requestId, response: response as Record<string, unknown> };
    } catch (e) {
      const err = toKmsException(e);
      logger.info({ kmsRequestId: requestId, operation, status: err.httpStatus, errorType: err.type, cause: err.detail, source: 'console' }, 'kms request');
      return { ok: false, requestId, type: err.type, message: toKmsWireBody(err).message };
    }
  }

  const app = express();
  app.disable('etag');
  app.disable('x-powered-by');
  const allowedHosts = deps.allowedHosts ?? [];
  const hostRefusals = createHostRefusals();
  // Before every route: DNS rebinding must reach neither the API, nor the console, nor the status view.
  app.use(createLocalHostGuard(allowedHosts, hostRefusals, logger));
  if (deps.console !== false) {
    const consoleOptions = deps.console ?? { access: 'loopback' as const };
    app.use('/console', createConsoleRouter({ ...consoleOptions, allowedHosts, invoke, proxyCalls: calls.log, region: config.region, randomBytes: deps.randomBytes, keyAccess: (keyId) => service.access.keyView(keyId), keyManagerOf: (id) => deps.store.getCustomKeyStore(id)?.keyManager }));
  }

  app.get('/_emulator/status', (_req, res) => {
    res.json({ region: config.region, accountId: config.accountId, ...service.statusView(), refusedHosts: hostRefusals.count() });
  });

  // Why KMS said no: the recent key policy and grant decisions, newest first (`?keyId=` for one key).
  app.get('/_emulator/access', (req, res) => {
    const keyId = typeof req.query['keyId'] === 'string' ? req.query['keyId'] : undefined;
    res.json({ decisions: service.access.recent(keyId) });
  });

  app.post('/', express.raw({ type: () => true, limit: MAX_BODY }), async (req: Request, res: Response) => {
    const started = Date.now();
    const requestId = deps.randomUUID();
    res.setHeader('x-amzn-RequestId', requestId);
    let operation = 'unknown';
    try {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const q = req.originalUrl.indexOf('?');
      const signer = authenticateKmsRequest(
        { method: req.method, path: q < 0 ? req.originalUrl : req.originalUrl.slice(0, q), query: q < 0 ? '' : req.originalUrl.slice(q + 1), rawHeaders: req.rawHeaders, body: raw },
        { credentials: config.credentials, region: config.region, now: deps.clock() },
      );
      const caller = resolveCaller(config.identities, accessKeyIdOf(req.rawHeaders), defaultCaller(config, signer?.principalArn));
      // KMS's answer to an access key it does not know (strict identities).
      if (caller === undefined) throw kmsError.UnrecognizedClientException('The security token included in the request is invalid.', { detail: 'access key id not in the identities file (strict mode)' });
      operation = parseTarget(req.get('x-amz-target'));
      const handler = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
      if (handler === undefined) throw kmsError.UnknownOperationException(`${operation} is not an operation of the KMS API (TrentService).`);
      const body = parseKmsBody(raw);
      const out = await handler(body, { requestId, principalArn: caller.principalArn, viaService: req.get(VIA_SERVICE_HEADER), caller });
      res.status(200).type(KMS_CONTENT_TYPE).send(JSON.stringify(out));
      logger.info({ kmsRequestId: requestId, operation, status: 200, durationMs: Date.now() - started }, 'kms request');
    } catch (e) {
      const err = toKmsException(e);
      sendError(res, err);
      const level = err.httpStatus >= 500 ? 'error' : 'info';
      logger[level]({ kmsRequestId: requestId, operation, status: err.httpStatus, errorType: err.type, cause: err.detail }, 'kms request');
    }
  });

  // Body-parser failures (entity.too.large) and anything else that escaped: one error middleware.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const type = (error as { type?: unknown }).type;
    const err = type === 'entity.too.large' ? kmsError.ValidationException('Request body is too large.') : toKmsException(error);
    if (!(error instanceof KmsException) && type !== 'entity.too.large') logger.error({ cause: String(error) }, 'unhandled error');
    sendError(res, err);
  });

  return {
    app,
    service,
    customKeyStores: service.customKeyStores,
    proxyCalls: calls.log,
    invoke,
    close: () => {
      service.close();
      pool.close();
    },
  };
}

/**
 * The caller when the access key is not in the identities file: the signing credential's principal ARN (credential
 * mode) or the emulator's default principal, in the emulator's account, with no IAM policy.
 */
function defaultCaller(config: KmsEmulatorConfig, principalArn: string | undefined): Identity {
  const arn = principalArn ?? config.principalArn;
  return { accessKeyId: '', principalArn: arn, account: accountOfPrincipalArn(arn) ?? config.accountId, iamPolicy: undefined };
}

function sendError(res: Response, err: KmsException): void {
  res.status(err.httpStatus).setHeader('x-amzn-ErrorType', err.type);
  res.type(KMS_CONTENT_TYPE).send(JSON.stringify(toKmsWireBody(err)));
}

function transportOptions(config: KmsEmulatorConfig) {
  return {
    region: config.region,
    timeoutMs: config.proxyTimeoutMs,
    extraCaPem: config.extraCaPem,
    allowHttpLoopback: config.allowHttpLoopback,
    resolve: config.resolve,
    dnsMode: config.dnsMode,
    trust: createTrust(config.extraCaPem),
  };
}
