import cluster from 'node:cluster';
import { relative } from 'node:path';
import type { Command } from 'commander';
import type { ProxyConfig } from '../config/load-config.js';
import { createLogger } from '../logging/create-logger.js';
import { startProxy, type RunningProxy } from '../server/start-proxy.js';
import { runFleetPrimary } from '../server/fleet/run-fleet-primary.js';
import { runFleetWorker } from '../server/fleet/run-fleet-worker.js';
import { parseWorkersOption, resolveWorkerCount, shareQuotas } from '../server/fleet/worker-share.js';
import { createConfigReloader } from '../server/config-reloader.js';
import { loadConfigFile } from '../config/load-config.js';
import { integerOption } from './parse-integer.js';
import type { CliContext } from './cli-context.js';
import { resolveConfig } from './resolve-config.js';
import { buildServeBanner } from './serve-banner.js';

export function registerServeCommand(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('start the XKS proxy (without --config or XKS_CONFIG: the embedded dev default on 127.0.0.1:7700)')
    .option('-c, --config <file>', 'configuration file (JSON); default: $XKS_CONFIG, else the dev default under ./keys/dev')
    .option('--host <host>', 'override listen.host')
    .option('--port <port>', 'override listen.port (0 = any free port)', integerOption('--port', 0, 65535))
    .option('--admin-port <port>', 'override admin.port of the loopback admin listener (0 = any free port)', integerOption('--admin-port', 0, 65535))
    .option('--no-watch', 'do not reload when the configuration, certificate or policy files change (SIGHUP still reloads)')
    .option('--workers <n>', 'worker processes sharing the port (node:cluster), or "auto" for one per core; default: config `workers`, else 1', parseWorkersOption)
    .action(async (options: { config?: string; host?: string; port?: number; adminPort?: number; watch?: boolean; workers?: number | 'auto' }) => {
      const resolved = resolveConfig(ctx, options.config, true);
      // Command-line overrides apply to the first load and to every reload.
      const withOverrides = (loaded: ProxyConfig): ProxyConfig =>
        Object.freeze({
          ...loaded,
          listen: Object.freeze({ ...loaded.listen, host: options.host ?? loaded.listen.host, port: options.port ?? loaded.listen.port }),
          ...(loaded.admin !== undefined && {
            admin: Object.freeze({ ...loaded.admin, port: options.adminPort ?? loaded.admin.port }),
          }),
        });
      const config = withOverrides(resolved.config);
      const logger = createLogger(config.logging);
      const rel = (p: string) => relative(ctx.cwd, p) || p;
      const banner = (proxy: RunningProxy) =>
        config.keyStores
          .map((store) =>
            buildServeBanner({
              url: proxy.url,
              configSource: rel(config.source),
              store,
              keys: proxy.runtime.current().storesByPrefix.get(store.uriPrefix)?.keys.listKeys() ?? [],
              ...(resolved.dev !== undefined && { secretPath: rel(resolved.dev.secretPath) }),
              ...(resolved.dev?.newSecret !== undefined && { newSecret: resolved.dev.newSecret }),
            }),
          )
          .join('\n');
      // docs/operations.md: with more than one worker, this process is the primary and forks the workers.
      const workers = resolveWorkerCount(options.workers ?? config.workers);
      const load = () => withOverrides(loadConfigFile(config.source));
      if (cluster.isWorker) {
        const share = (c: ProxyConfig) => shareQuotas(c, workers);
        const workerLogger = logger.child({ worker: cluster.worker?.id });
        ctx.reloadSignal?.on('reload', () => workerLogger.warn('SIGHUP goes to the primary, which reloads every worker; ignored'));
        await runFleetWorker({ config: share(config), load: () => share(load()), logger: workerLogger, banner, stopSignal: ctx.stopSignal, channel: process });
        return;
      }
      if (workers > 1) {
        await runFleetPrimary({
          workers,
          config,
          load,
          logger: logger.child({ role: 'primary' }),
          stderr: ctx.stderr,
          stopSignal: ctx.stopSignal,
          ...(ctx.reloadSignal !== undefined && { reloadSignal: ctx.reloadSignal }),
          watch: options.watch !== false,
        });
        return;
      }
      const proxy = await startProxy({ config, logger });
      if (proxy.adminUrl !== undefined) ctx.stderr.write(`admin listener (xks status) on ${proxy.adminUrl}\n`);
      ctx.stderr.write(`${banner(proxy)}\n`);
      logger.info({ url: proxy.url, adminUrl: proxy.adminUrl, keyStores: config.keyStores.map((s) => s.name) }, 'xks-proxy listening');
      const reloader = createConfigReloader({
        load,
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
