import type { ProxyConfig } from '../../config/load-config.js';
import type { ConfigSnapshot } from '../../config/config-snapshot.js';
import type { Logger } from '../../../logging/create-logger.js';
import { createConfigReloader } from '../config-reloader.js';
import { DEFAULT_SHUTDOWN_GRACE_MS, startProxy, type RunningProxy } from '../start-proxy.js';
import { parsePrimaryMessage, type PrimaryMessage, type WorkerMessage, type WorkerReloadResult } from './fleet-messages.js';

export interface FleetWorkerOptions {
  /** The configuration with this worker's share of the quotas (worker-share.ts). */
  readonly config: ProxyConfig;
  /** The configuration of a snapshot the primary passes on with a reload, shared the same way. */
  readonly load: (snapshot: ConfigSnapshot) => ProxyConfig;
  readonly logger: Logger;
  /** The start-up banner, sent to the primary, which prints one for the fleet. */
  readonly banner: (proxy: RunningProxy) => string;
  readonly stopSignal: Promise<string>;
  /** The IPC channel to the primary (process.send / 'message' of a cluster worker). */
  readonly channel: Pick<NodeJS.Process, 'send' | 'on' | 'off' | 'once' | 'connected' | 'disconnect'>;
}

/**
 * One worker of `xks serve --workers N`: a whole proxy (own key directory watcher, deep health check, quota share)
 * listening on the socket the primary shares. It answers the primary's status, metrics and reload requests and stops
 * gracefully when asked, when signalled, or when the primary is gone.
 */
export async function runFleetWorker(o: FleetWorkerOptions): Promise<void> {
  let proxy: RunningProxy;
  try {
    proxy = await startProxy({ config: o.config, logger: o.logger, adminListener: false });
  } catch (error) {
    // The primary reports it and stops the fleet (this process would otherwise stay alive on its IPC channel).
    if (o.channel.connected) o.channel.send?.({ xks: 'failed', error: error instanceof Error ? error.message : String(error) } satisfies WorkerMessage);
    throw error;
  }
  let rejected: readonly string[] = [];
  // The snapshot of the reload being applied: the primary validated it; this worker never reads the files itself.
  let offered: ConfigSnapshot | undefined;
  const reloader = createConfigReloader({
    load: () => {
      if (offered === undefined) throw new Error('no configuration from the primary');
      return o.load(offered);
    },
    proxy,
    initial: o.config,
    logger: o.logger,
    // The primary watches the files and passes reloads on; it also logs a rejection, once for the fleet.
    watch: false,
    onRejected: (_reason, problems) => (rejected = problems),
  });
  const send = (m: WorkerMessage) => {
    if (o.channel.connected) o.channel.send?.(m);
  };

  const answer = async (m: Extract<PrimaryMessage, { xks: 'request' }>): Promise<unknown> => {
    switch (m.kind) {
      case 'status':
        return proxy.status();
      case 'metrics':
        return proxy.metrics.registry.getMetricsAsJSON();
      case 'decisions':
        return m.kmsRequestId !== undefined ? proxy.decisions.find(m.kmsRequestId) : proxy.decisions.recent(m.limit ?? 50);
      case 'reload': {
        rejected = [];
        offered = m.snapshot;
        const ok = reloader.reload(m.reason ?? 'primary');
        return { ok, problems: rejected } satisfies WorkerReloadResult;
      }
    }
  };

  const graceMs = await new Promise<number>((resolve) => {
    const onMessage = (raw: unknown) => {
      const m = parsePrimaryMessage(raw);
      if (m === undefined) return;
      if (m.xks === 'config') return;
      if (m.xks === 'shutdown') {
        o.channel.off('message', onMessage);
        resolve(m.graceMs);
        return;
      }
      answer(m).then(
        (value) => send({ xks: 'response', id: m.id, ok: true, value }),
        (error: unknown) => send({ xks: 'response', id: m.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
      );
    };
    o.channel.on('message', onMessage);
    o.channel.once('disconnect', () => resolve(DEFAULT_SHUTDOWN_GRACE_MS));
    void o.stopSignal.then(() => resolve(DEFAULT_SHUTDOWN_GRACE_MS));
    send({ xks: 'ready', url: proxy.url, banner: o.banner(proxy) });
  });
  o.logger.info({ graceMs }, 'worker stopping: no new connections, finishing requests in flight');
  reloader.close();
  await proxy.close(graceMs);
  if (o.channel.connected) o.channel.disconnect();
}

/**
 * A starting worker's configuration: the primary's last good one (issue 21, finding 2), asked for over IPC, never
 * read from the files, which may be broken on disk since the fleet started.
 */
export function receiveConfigSnapshot(channel: FleetWorkerOptions['channel'], timeoutMs = 30_000): Promise<ConfigSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      channel.off('message', onMessage);
      reject(new Error(`no configuration from the fleet's primary within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (raw: unknown) => {
      const m = parsePrimaryMessage(raw);
      if (m?.xks !== 'config') return;
      clearTimeout(timer);
      channel.off('message', onMessage);
      resolve(m.snapshot);
    };
    channel.on('message', onMessage);
    channel.send?.({ xks: 'config-request' } satisfies WorkerMessage);
  });
}
