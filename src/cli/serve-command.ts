import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Command } from 'commander';
import type { ProxyConfig } from '../config/load-config.js';
import { createLogger } from '../logging/create-logger.js';
import { startProxy } from '../server/start-proxy.js';
import { createConfigReloader } from '../server/config-reloader.js';
import { loadConfigFile } from '../config/load-config.js';
import { integerOption } from './parse-integer.js';
import type { CliContext } from './cli-context.js';
import { resolveConfig } from './resolve-config.js';
import { buildServeBanner } from './serve-banner.js';
import { withListenHint } from './listen-hint.js';
import { applyListenOverrides } from './listen-overrides.js';

/** The CA `xks dev-cert` wrote next to the server certificate, if that is how listen.tls was made. */
function devCaFile(config: ProxyConfig): string | undefined {
  const certFile = config.listen.tls?.certFile;
  if (certFile === undefined) return undefined;
  const ca = join(dirname(certFile), 'ca.pem');
  return existsSync(ca) ? ca : undefined;
}

export function registerServeCommand(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('start the XKS proxy (without --config or XKS_CONFIG: the embedded dev default on 127.0.0.1:7700)')
    .option('-c, --config <file>', 'configuration file (JSON); default: $XKS_CONFIG, else the dev default under ./keys/dev')
    .option('--host <host>', 'override listen.host')
    .option('--port <port>', 'override listen.port (0 = any free port)', integerOption('--port', 0, 65535))
    .option('--admin-port <port>', 'override admin.port of the loopback admin listener (0 = any free port)', integerOption('--admin-port', 0, 65535))
    .option('--no-watch', 'do not reload when the configuration, certificate or policy files change (SIGHUP still reloads)')
    .action(async (options: { config?: string; host?: string; port?: number; adminPort?: number; watch?: boolean }) => {
      const resolved = resolveConfig(ctx, options.config, true);
      // Command-line overrides apply to the first load and to every reload.
      const withOverrides = (loaded: ProxyConfig): ProxyConfig => applyListenOverrides(loaded, options);
      const config = withOverrides(resolved.config);
      const logger = createLogger(config.logging);
      const proxy = await startProxy({ config, logger }).catch((error: unknown) => {
        throw withListenHint(error, { proxy: '--port P (or listen.port in the configuration)', admin: '--admin-port P (or admin.port in the configuration)' });
      });
      const rel = (p: string) => relative(ctx.cwd, p) || p;
      if (proxy.adminUrl !== undefined) ctx.stderr.write(`admin listener (xks status) on ${proxy.adminUrl}\n`);
      for (const store of config.keyStores) {
        const keys = proxy.runtime.current().storesByPrefix.get(store.uriPrefix)?.keys.listKeys() ?? [];
        ctx.stderr.write(
          `${buildServeBanner({
            url: proxy.url,
            configSource: rel(config.source),
            store,
            keys,
            ...(resolved.dev !== undefined && { secretPath: rel(resolved.dev.secretPath) }),
            ...(devCaFile(config) !== undefined && { caFile: rel(devCaFile(config) ?? '') }),
            ...(resolved.dev?.newSecret !== undefined && { newSecret: resolved.dev.newSecret }),
          })}\n`,
        );
      }
      logger.info({ url: proxy.url, adminUrl: proxy.adminUrl, keyStores: config.keyStores.map((s) => s.name) }, 'xks-proxy listening');
      const reloader = createConfigReloader({
        load: () => withOverrides(loadConfigFile(config.source)),
        proxy,
        initial: config,
        logger,
        watch: options.watch !== false,
      });
      const onReload = (signal: string) => reloader.reload(signal);
      ctx.reloadSignal?.on('reload', onReload);
      const signal = await ctx.stopSignal;
      ctx.reloadSignal?.off('reload', onReload);
      reloader.close();
      logger.info({ signal }, 'stopping');
      await proxy.close();
    });
}
