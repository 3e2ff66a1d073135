/**
 * `xks healthcheck`: the container HEALTHCHECK. A liveness check of the proxy on this host: GET /ping on the port,
 * scheme and TLS the configuration says (spec A17's probe path), so a proxy with TLS, mTLS or another port is not
 * marked unhealthy by a hard-coded URL. Not a deep check: it signs nothing and uses no key (`xks probe` does that).
 */
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { Command } from 'commander';
import { integerOption } from './parse-integer.js';
import { CONFIG_ENV_VAR, type CliContext } from './cli-context.js';
import { resolveConfig } from './resolve-config.js';

/** Where to reach a listener bound to a wildcard address from this host. */
function localAddress(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

function errorCause(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ECONNREFUSED') return 'connection refused (is the proxy running on this port?)';
  return `${e.code === undefined ? '' : `${e.code}: `}${e.message}`;
}

/** GET /ping; resolves with the status code. TLS: the certificate is not verified (this host's own process, by address). */
function getPing(url: URL, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest(url, { rejectUnauthorized: false, method: 'GET' }) : httpRequest(url, { method: 'GET' });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.once('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('error', reject);
    request.end();
  });
}

/** With mTLS, /ping needs a client certificate: check that a TLS 1.3 handshake completes on the port instead. */
function tlsHandshake(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false, minVersion: 'TLSv1.3' }, () => {
      socket.destroy();
      resolve();
    });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)));
    socket.once('error', reject);
  });
}

export function registerHealthcheckCommand(program: Command, ctx: CliContext): void {
  program
    .command('healthcheck')
    .description('liveness check of a proxy on this host (container HEALTHCHECK): GET /ping on the configured port and TLS; exit 0 = up, 1 = down')
    .option('-c, --config <file>', 'configuration file (JSON); default: $XKS_CONFIG, else the dev default in ./keys/dev (never created)')
    .option('--port <port>', 'the port, when xks serve was started with --port', integerOption('--port', 1, 65535))
    .option('--timeout-ms <ms>', 'how long to wait for the answer', integerOption('--timeout-ms', 1, 60_000), 3000)
    .action(async (o: { config?: string; port?: number; timeoutMs: number }) => {
      const devConfig = join(ctx.cwd, 'keys', 'dev', 'config.json');
      const explicit = o.config ?? ctx.env[CONFIG_ENV_VAR];
      const configPath = explicit !== undefined && explicit !== '' ? explicit : existsSync(devConfig) ? devConfig : undefined;
      const { config } = resolveConfig(ctx, configPath, 'read');
      const port = o.port ?? config.listen.port;
      if (port === 0) throw new Error('listen.port is 0 (any free port): pass --port with the port the proxy is listening on');
      const host = localAddress(config.listen.host);
      const tls = config.listen.tls;
      const url = new URL(`${tls === undefined ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${port}/ping`);
      if (tls?.clientAuth !== undefined) {
        await tlsHandshake(host, port, o.timeoutMs).catch((error: unknown) => {
          throw new Error(`${url.host}: TLS handshake failed: ${errorCause(error)}`);
        });
        ctx.stdout.write(`ok: ${url.host} completed a TLS handshake (mTLS is on, so /ping itself needs a client certificate)\n`);
        return;
      }
      const status = await getPing(url, o.timeoutMs).catch((error: unknown) => {
        throw new Error(`${url.href}: ${errorCause(error)}`);
      });
      if (status !== 200) throw new Error(`${url.href} answered HTTP ${status}, not 200`);
      ctx.stdout.write(`ok: ${url.href} answered 200\n`);
    });
}
