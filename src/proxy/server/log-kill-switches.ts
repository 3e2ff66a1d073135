import type { ProxyConfig } from '../config/load-config.js';
import type { Logger } from '../../logging/create-logger.js';

/** At every (re)load, say which kill switches are on, and who set them when (docs/operations.md, "Kill switches"). */
export function logKillSwitches(config: ProxyConfig, logger: Logger): void {
  for (const store of config.keyStores) {
    if (store.blocked !== undefined) {
      logger.warn({ keyStore: store.name, blockedBy: store.blocked.by, blockedAt: store.blocked.at, blockedReason: store.blocked.reason }, 'key store blocked');
    }
    for (const [externalKeyId, o] of Object.entries(store.keys)) {
      if (o.keyStatus !== 'DISABLED') continue;
      logger.warn({ keyStore: store.name, externalKeyId, disabledBy: o.by, disabledAt: o.at, disabledReason: o.reason }, 'key disabled by configuration');
    }
  }
}
