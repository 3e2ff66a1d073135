/**
 * `xks kms`: start the KMS-side emulator (spec Part B) that the AWS CLI and SDK talk to with --endpoint-url.
 * `xks kms --with-proxy` also starts the proxy (its --proxy-config, else the dev default) for a one-command sandbox.
 */
import type { Command } from 'commander';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { relative, resolve } from 'node:path';
import { createKmsApp } from '../kms-emulator/create-kms-app.js';
import { parseIdentities, type Identities } from '../kms-emulator/access/identities.js';
import { buildKmsEmulatorConfig, type EmulatorCredential, type VpcEndpointServiceEntry } from '../kms-emulator/context/kms-config.js';
import { createKmsStateStore } from '../kms-emulator/store/kms-state-store.js';
import type { ResolvedAddress } from '../xks-client/xks-transport.js';
import { createLogger } from '../logging/create-logger.js';
import { startProxy, type RunningProxy } from '../proxy/server/start-proxy.js';
import { integerOption, parseInteger } from './parse-integer.js';
import { createServer } from 'node:http';
import { listenOn } from '../proxy/server/listen.js';
import { withListenHint } from './listen-hint.js';
import { applyListenOverrides } from './listen-overrides.js';
import { AWS_CLI_V1_NOTE } from './aws-cli-note.js';
import type { CliContext } from './cli-context.js';
import { resolveConfig } from './resolve-config.js';
import { createAdminExplainer } from './admin-client.js';
import { FAULT_INJECTION_WARNING } from './faults-command.js';
import { checkAllowedHosts } from '../net/local-host.js';
import { exposedEmulatorWarning, isLoopbackListenHost } from './exposed-emulator-warning.js';

interface KmsOptions {
  host: string;
  port: string;
  state: string;
  region: string;
  accountId: string;
  connectingMs: string;
  disconnectingMs: string;
  healthIntervalMs: string;
  proxyTimeoutMs: string;
  proxyMaxConnections: string;
  proxyQueueLimit: string;
  caFile: string[];
  allowHttpLoopback?: boolean;
  resolve: string[];
  dns: string;
  vpcEndpointServices?: string;
  credential: string[];
  identities?: string;
  cdiv: boolean;
  faultConnectInternalError?: boolean;
  logLevel: string;
  withProxy?: boolean;
  proxyConfig?: string;
  allowFaults?: boolean;
  proxyPort?: number;
  proxyAdminPort?: number;
  console: boolean;
  consoleRemote?: boolean;
  proxyAdminUrl?: string;
  allowHost: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function parseResolve(entries: readonly string[]): Map<string, ResolvedAddress> {
  const map = new Map<string, ResolvedAddress>();
  for (const e of entries) {
    const m = /^([A-Za-z0-9.-]+)=([0-9.]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/.exec(e);
    if (m === null) throw new Error(`--resolve expects HOST=ADDRESS[:PORT], got ${e}`);
    map.set((m[1] ?? '').toLowerCase(), { address: (m[2] ?? '').replace(/^\[|\]$/g, ''), port: m[3] === undefined ? undefined : Number(m[3]) });
  }
  return map;
}

function parseCredentials(entries: readonly string[]): EmulatorCredential[] | undefined {
  if (entries.length === 0) return undefined;
  return entries.map((e) => {
    const [accessKeyId, secretAccessKey, principalArn] = e.split(':::');
    if (accessKeyId === undefined || secretAccessKey === undefined || accessKeyId === '' || secretAccessKey === '') {
      throw new Error('--credential expects ACCESS_KEY_ID:::SECRET[:::PRINCIPAL_ARN]');
    }
    return principalArn === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, principalArn };
  });
}

export function registerKmsCommand(program: Command, ctx?: CliContext): void {
  const out = ctx?.stderr ?? process.stderr;
  const cwd = ctx?.cwd ?? process.cwd();
  program
    .command('kms')
    .description('start the local KMS emulator (external key stores, spec Part B); point the AWS CLI/SDK at it with --endpoint-url')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'listen port (0 = any free port)', '7800')
    .option('--state <file>', 'SQLite file that keeps custom key stores and keys across restarts (:memory: = none)', 'kms-emulator.sqlite')
    .option('--region <region>', 'the emulated KMS Region (key ARNs, SigV4 scope of proxy calls)', 'us-east-1')
    .option('--account-id <id>', 'the emulated AWS account', '111122223333')
    .option('--connecting-ms <ms>', 'minimum time a store stays CONNECTING (AWS: ~5 minutes)', '1000')
    .option('--disconnecting-ms <ms>', 'time a store stays DISCONNECTING', '500')
    .option('--health-interval-ms <ms>', 'period of the KmsHealthCheck probe while CONNECTED', '60000')
    .option('--proxy-timeout-ms <ms>', 'timeout of each proxy call (spec: 250)', '250')
    .option('--proxy-max-connections <n>', 'calls on the wire at once per proxy, each on a keep-alive connection', '4')
    .option('--proxy-queue-limit <n>', 'calls that may wait for a proxy connection; beyond, ThrottlingException', '2000')
    .option('--ca-file <pem>', 'extra trusted CA certificate(s) for the proxy TLS (repeatable)', collect, [])
    .option('--allow-http-loopback', 'accept http:// (and port-carrying) endpoints on 127.0.0.1/localhost; never what AWS does')
    .option('--resolve <host=address[:port]>', 'resolve HOST to ADDRESS[:PORT] for proxy calls, like curl --resolve (repeatable)', collect, [])
    .option('--dns <mode>', 'system: OS resolver for hosts without --resolve; static: only --resolve and localhost', 'system')
    .option('--vpc-endpoint-services <file>', 'JSON array of emulated VPC endpoint services (see docs/kms-emulator.md)')
    .option('--credential <akid:::secret[:::principalArn]>', 'require SigV4 from this credential (repeatable); default: any well-formed signature', collect, [])
    .option('--identities <file>', 'JSON file: access key id -> principal ARN, account, IAM policy; "strict": unknown keys refused (docs/kms-emulator.md)')
    .option('--no-cdiv', 'do not ask the proxy for the ciphertext data integrity value')
    .option('--fault-connect-internal-error', 'fault injection: every Connect ends FAILED with INTERNAL_ERROR')
    .option('--log-level <level>', 'pino log level', 'info')
    .option('--with-proxy', 'also start the XKS proxy (sandbox); implies --allow-http-loopback')
    .option('--allow-faults', 'with --with-proxy: the sandbox proxy accepts fault injection (xks faults set; docs/faults.md)')
    .option('--proxy-config <file>', 'proxy configuration for --with-proxy (default: $XKS_CONFIG, else the dev default)')
    .option('--proxy-port <port>', 'with --with-proxy: the proxy listens on this port instead of listen.port (0 = any free port)', integerOption('--proxy-port', 0, 65535))
    .option('--proxy-admin-port <port>', "with --with-proxy: the proxy's admin listener port instead of admin.port", integerOption('--proxy-admin-port', 0, 65535))
    .option('--no-console', 'do not serve the KMS console at /console')
    .option('--console-remote', 'serve the console to non-loopback clients too (only with a --host other than loopback; unauthenticated)')
    .option('--allow-host <name>', 'also answer requests whose Host header names NAME (repeatable); default: loopback names only (DNS rebinding)', collect, [])
    .option('--proxy-admin-url <url>', "admin listener of a local proxy, so the console explains that proxy's decisions (implied by --with-proxy)")
    .action(async (o: KmsOptions) => {
      const hostProblems = checkAllowedHosts(o.allowHost);
      if (hostProblems.length > 0) throw new Error(`--allow-host: ${hostProblems.join('; ')}`);
      if (!isLoopbackListenHost(o.host)) out.write(exposedEmulatorWarning(o.host));
      let proxy: RunningProxy | undefined;
      let sandboxHint = '';
      if (o.withProxy === true) {
        if (ctx === undefined) throw new Error('--with-proxy needs the CLI context');
        const resolved = resolveConfig(ctx, o.proxyConfig, 'serve');
        const proxyConfig = applyListenOverrides(resolved.config, { ...(o.proxyPort !== undefined && { port: o.proxyPort }), ...(o.proxyAdminPort !== undefined && { adminPort: o.proxyAdminPort }) });
        proxy = await startProxy({ config: proxyConfig, logger: createLogger(proxyConfig.logging), allowFaults: o.allowFaults === true }).catch((error: unknown) => {
          throw withListenHint(error, { proxy: '--proxy-port P', admin: '--proxy-admin-port P' });
        });
        const store = resolved.config.keyStores[0];
        const cred = store?.credentials[0];
        if (o.allowFaults === true) out.write(FAULT_INJECTION_WARNING);
        sandboxHint = `proxy listening on ${proxy.url}${proxy.adminUrl === undefined ? '' : ` (admin listener for xks status: ${proxy.adminUrl})`}\n`;
        if (store !== undefined && cred !== undefined) {
          // Never print the secret itself: point at where it is kept.
          const secret = resolved.dev === undefined ? `<its secret in ${relative(cwd, resolved.config.source) || resolved.config.source}>` : `$(cat ${relative(cwd, resolved.dev.secretPath)})`;
          sandboxHint +=
            `  aws kms create-custom-key-store --endpoint-url URL --custom-key-store-name sandbox --custom-key-store-type EXTERNAL_KEY_STORE \\\n` +
            `    --xks-proxy-connectivity PUBLIC_ENDPOINT --xks-proxy-uri-endpoint ${proxy.url} --xks-proxy-uri-path ${store.uriPath} \\\n` +
            `    --xks-proxy-authentication-credential AccessKeyId=${cred.accessKeyId},RawSecretAccessKey=${secret}\n` +
            `  ${AWS_CLI_V1_NOTE}\n`;
        }
      }
      const vpc = o.vpcEndpointServices === undefined ? [] : (JSON.parse(readFileSync(resolve(cwd, o.vpcEndpointServices), 'utf8')) as VpcEndpointServiceEntry[]);
      if (o.dns !== 'system' && o.dns !== 'static') throw new Error(`--dns must be system or static, got ${o.dns}`);
      const config = buildKmsEmulatorConfig({
        region: o.region,
        accountId: o.accountId,
        principalArn: `arn:aws:iam::${o.accountId}:user/xks-rehearsal`,
        connectingDelayMs: parseInteger('--connecting-ms', o.connectingMs, 0),
        disconnectingDelayMs: parseInteger('--disconnecting-ms', o.disconnectingMs, 0),
        healthCheckIntervalMs: parseInteger('--health-interval-ms', o.healthIntervalMs, 0),
        proxyTimeoutMs: parseInteger('--proxy-timeout-ms', o.proxyTimeoutMs, 0),
        proxyMaxConnections: parseInteger('--proxy-max-connections', o.proxyMaxConnections, 1),
        proxyQueueLimit: parseInteger('--proxy-queue-limit', o.proxyQueueLimit, 1),
        extraCaPem: o.caFile.map((f) => readFileSync(resolve(cwd, f), 'utf8')),
        allowHttpLoopback: o.allowHttpLoopback === true || o.withProxy === true,
        resolve: parseResolve(o.resolve),
        dnsMode: o.dns,
        vpcEndpointServices: vpc,
        requestCdiv: o.cdiv,
        credentials: parseCredentials(o.credential),
        faultConnectInternalError: o.faultConnectInternalError === true,
        ...(o.identities !== undefined && { identities: loadIdentities(resolve(cwd, o.identities)) }),
      });
      const logger = createLogger({ level: o.logLevel, service: 'kms-emulator' });
      const store = createKmsStateStore(o.state === ':memory:' ? ':memory:' : resolve(cwd, o.state));
      const running = proxy;
      const explain =
        running !== undefined
          ? async (id: string) => running.decisions.find(id)
          : o.proxyAdminUrl === undefined
            ? undefined
            : createAdminExplainer(o.proxyAdminUrl);
      const kms = createKmsApp({
        config,
        store,
        logger,
        clock: () => Date.now(),
        randomBytes,
        randomUUID,
        allowedHosts: o.allowHost,
        console: o.console && { access: o.consoleRemote === true ? 'any' : 'loopback', ...(explain !== undefined && { explain }) },
      });
      kms.customKeyStores.resume();
      const server = createServer(kms.app);
      await listenOn(server, parseInteger('--port', o.port, 0, 65535), o.host, 'kms').catch(async (error: unknown) => {
        // Stop everything this command started before saying why (the proxy of --with-proxy included).
        kms.close();
        store.close();
        await proxy?.close();
        throw withListenHint(error, { kms: '--port P' });
      });
      // Longer than SDK/CLI idle sockets live, so a client never reuses a socket the server is closing.
      server.keepAliveTimeout = 65_000;
      const url = `http://${o.host}:${(server.address() as AddressInfo).port}`;
      out.write(`${sandboxHint.replaceAll('--endpoint-url URL', `--endpoint-url ${url}`)}kms emulator listening on ${url} (status view: ${url}/_emulator/status)\n`);
      if (o.console) out.write(`KMS console: ${url}/console\n`);
      logger.info({ url, region: config.region, state: o.state }, 'kms emulator listening');
      const stop = ctx?.stopSignal ?? new Promise<string>((r) => process.once('SIGTERM', () => r('SIGTERM')));
      const signal = await stop;
      logger.info({ signal }, 'stopping');
      kms.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      store.close();
      await proxy?.close();
    });
}

/** `--identities FILE`: read and parse once at start-up; every problem in one error naming the file. */
function loadIdentities(path: string): Identities {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`--identities ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseIdentities(doc, `--identities ${path}`);
}
