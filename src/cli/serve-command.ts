import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Command } from 'commander';
import type { ProxyConfig } from '../proxy/config/load-config.js';
import { createLogger } from '../logging/create-logger.js';
import { startProxy, type RunningProxy } from '../proxy/server/start-proxy.js';
import { runFleetPrimary } from '../proxy/server/fleet/run-fleet-primary.js';
import { receiveConfigSnapshot, runFleetWorker } from '../proxy/server/fleet/run-fleet-worker.js';
import { parseWorkersOption, resolveWorkerCount, shareQuotas } from '../proxy/server/fleet/worker-share.js';
import { createConfigReloader } from '../proxy/server/config-reloader.js';
import { loadConfigFile } from '../proxy/config/load-config.js';
import { markDevSecretShown } from '../proxy/config/dev-setup.js';
import { integerOption } from './parse-integer.js';
import type { CliContext } from './cli-context.js';
import { locateConfig } from './resolve-config.js';
import { loadConfigSnapshot, loadConfigWithSnapshot, type LoadedConfig } from '../proxy/config/config-snapshot.js';
import { buildServeBanner } from './serve-banner.js';
import { withListenHint } from './listen-hint.js';
import { applyListenOverrides } from './listen-overrides.js';
import { FAULT_INJECTION_WARNING } from './faults-command.js';

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
    .option('--allow-faults', 'honour the configuration\'s `faults` section and `xks faults set` (rehearsals only, one process; logged loudly; docs/faults.md)')
    .option('--no-watch', 'do not reload when the configuration, certificate or policy files change (SIGHUP still reloads)')
    .option('--workers <n>', 'worker processes sharing the port (node:cluster), or "auto" for one per core; default: config `workers`, else 1', parseWorkersOption)
    .action(async (options: { config?: string; host?: string; port?: number; adminPort?: number; watch?: boolean; workers?: number | 'auto'; allowFaults?: boolean }) => {
      const { path, dev } = locateConfig(ctx, options.config, 'serve');
      // A fleet worker starts from the primary's last good configuration, never from the files, which may be broken
      // on disk since the fleet started (docs/operations.md "Worker processes").
      const loaded = cluster.isWorker ? { config: loadConfigSnapshot(await receiveConfigSnapshot(process), { env: ctx.env }) } : loadConfigWithSnapshot(path, { env: ctx.env });
      const resolved = { config: loaded.config, ...(dev !== undefined && { dev }) };
      // Command-line overrides apply to the first load and to every reload.
      const withOverrides = (loaded: ProxyConfig): ProxyConfig => applyListenOverrides(loaded, options);
      const config = withOverrides(resolved.config);
      const logger = createLogger(config.logging);
      const rel = (p: string) => relative(ctx.cwd, p) || p;
      // Called once the proxy listens. The dev secret is shown until a start has listened: one that failed (port in
      // use) must not swallow the only showing.
      const banner = (proxy: RunningProxy) => {
        const text = config.keyStores
          .map((store) =>
            buildServeBanner({
              url: proxy.url,
              pid: cluster.isWorker ? process.ppid : process.pid, // a fleet is signalled through its primary
              configSource: rel(config.source),
              store,
              keys: proxy.runtime.current().storesByPrefix.get(store.uriPrefix)?.keys.listKeys() ?? [],
              ...(resolved.dev !== undefined && { secretPath: rel(resolved.dev.secretPath) }),
              ...(devCaFile(config) !== undefined && { caFile: rel(devCaFile(config) ?? '') }),
              ...(resolved.dev?.secretToShow !== undefined && { newSecret: resolved.dev.secretToShow }),
            }),
          )
          .join('\n');
        if (resolved.dev?.secretToShow !== undefined) markDevSecretShown(resolved.dev);
        return text;
      };
      // docs/operations.md: with more than one worker, this process is the primary and forks the workers.
      const workers = resolveWorkerCount(options.workers ?? config.workers);
      const load = () => withOverrides(loadConfigFile(config.source, { env: ctx.env }));
      const loadForFleet = (): LoadedConfig => {
        const next = loadConfigWithSnapshot(config.source, { env: ctx.env });
        return { config: withOverrides(next.config), snapshot: next.snapshot };
      };
      // Fault rules live in one process and are changed through its admin listener: no fleet (docs/faults.md).
      if (options.allowFaults === true && workers > 1) throw new Error('--allow-faults needs a single process: use --workers 1');
      if (cluster.isWorker) {
        const share = (c: ProxyConfig) => shareQuotas(c, workers);
        const workerLogger = logger.child({ worker: cluster.worker?.id });
        ctx.reloadSignal?.on('reload', () => workerLogger.warn('SIGHUP goes to the primary, which reloads every worker; ignored'));
        await runFleetWorker({ config: share(config), load: (snapshot) => share(withOverrides(loadConfigSnapshot(snapshot, { env: ctx.env }))), logger: workerLogger, banner, stopSignal: ctx.stopSignal, channel: process });
        return;
      }
      if (workers > 1) {
        await runFleetPrimary({
          workers,
          config,
          snapshot: 'snapshot' in loaded ? loaded.snapshot : { path: config.source, files: {} },
          load: loadForFleet,
          logger: logger.child({ role: 'primary' }),
          stderr: ctx.stderr,
          stopSignal: ctx.stopSignal,
          ...(ctx.reloadSignal !== undefined && { reloadSignal: ctx.reloadSignal }),
          watch: options.watch !== false,
        });
        return;
      }
      const proxy = await startProxy({ config, logger, allowFaults: options.allowFaults === true }).catch((error: unknown) => {
        throw withListenHint(error, { proxy: '--port P (or listen.port in the configuration)', admin: '--admin-port P (or admin.port in the configuration)' });
      });
      const reloader = createConfigReloader({
        load,
        proxy,
        initial: config,
        logger,
        watch: options.watch !== false,
      });
      const onReload = (signal: string) => reloader.reload(signal);
      ctx.reloadSignal?.on('reload', onReload);
      // The banner says the proxy is ready, so SIGHUP must already reload: a SIGHUP sent on seeing it must not meet
      // Node's default action (the end of the process).
      if (proxy.adminUrl !== undefined) ctx.stderr.write(`admin listener (xks status) on ${proxy.adminUrl}\n`);
      if (options.allowFaults === true) ctx.stderr.write(FAULT_INJECTION_WARNING);
      ctx.stderr.write(`${banner(proxy)}\n`);
      logger.info({ url: proxy.url, adminUrl: proxy.adminUrl, keyStores: config.keyStores.map((s) => s.name) }, 'xks-proxy listening');
      const signal = await ctx.stopSignal;
      ctx.reloadSignal?.off('reload', onReload);
      reloader.close();
      logger.info({ signal }, 'stopping');
      await proxy.close();
    });
}
