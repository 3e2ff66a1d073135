import type { ProxyConfig } from '../proxy/config/load-config.js';

export interface ListenOverrides {
  readonly host?: string;
  readonly port?: number;
  readonly adminPort?: number;
}

/** Command-line overrides of listen.host/port and admin.port (xks serve, xks kms --with-proxy); frozen like the config. */
export function applyListenOverrides(loaded: ProxyConfig, o: ListenOverrides): ProxyConfig {
  return Object.freeze({
    ...loaded,
    listen: Object.freeze({ ...loaded.listen, host: o.host ?? loaded.listen.host, port: o.port ?? loaded.listen.port }),
    ...(loaded.admin !== undefined && {
      admin: Object.freeze({ ...loaded.admin, port: o.adminPort ?? loaded.admin.port }),
    }),
  });
}
