/**
 * Binding a listener, with a failure that says which listener, which address and why, instead of Node's bare
 * `listen EADDRINUSE`. The command that started the listener adds which option moves it (src/cli/listen-hint.ts).
 */
import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';

/** Which listener of the process: the XKS API, the loopback admin listener (xks status), the KMS emulator. */
export type ListenerRole = 'proxy' | 'admin' | 'kms';

const ROLE_NAMES: Record<ListenerRole, string> = {
  proxy: 'the XKS proxy',
  admin: "the proxy's admin listener (xks status)",
  kms: 'the KMS emulator',
};

export class ListenError extends Error {
  constructor(
    readonly role: ListenerRole,
    readonly host: string,
    readonly port: number,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`${ROLE_NAMES[role]} cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${reason}`);
    this.name = 'ListenError';
  }
}

function explain(code: string | undefined, port: number, host: string, error: Error): string {
  switch (code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use (another xks process, or another program)`;
    case 'EACCES':
      return port < 1024 ? `permission denied: port ${port} is below 1024 and needs privileges` : 'permission denied';
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name ${host} does not resolve`;
    default:
      return `${code ?? 'error'}: ${error.message}`;
  }
}

/** Listen on host:port; resolves with the bound address, or rejects with a ListenError. */
/** `backlog`: the kernel's accept queue (limits.listenBacklog for the XKS listener; Node's 511 when absent). */
export function listenOn(server: Server, port: number, host: string, role: ListenerRole, backlog?: number): Promise<AddressInfo> {
  return new Promise<AddressInfo>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(new ListenError(role, host, port, error.code, explain(error.code, port, host, error)));
    server.once('error', onError);
    server.listen({ port, host, ...(backlog !== undefined && { backlog }) }, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}
