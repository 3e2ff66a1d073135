/**
 * Who may talk to a listener meant for this host only (the proxy's admin listener, the KMS emulator's API and its
 * `/_emulator` views, the console). Those listeners are unauthenticated or accept any well-formed signature, so a
 * web page must not be able to reach them through DNS rebinding: the page's own name, rebound to 127.0.0.1, arrives
 * in the Host header. A request is answered only under a loopback name or address (localhost, 127.x.x.x, [::1]) or a
 * name the operator allowed explicitly (`xks kms --allow-host`, config `admin.allowedHosts`). The XKS listener itself
 * is never restricted this way: KMS reaches it through a load balancer under the endpoint's public name.
 */

/** `localhost`, `127.a.b.c` or `[::1]`, with an optional port. */
const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i;

/** A name an operator may allow: a DNS name or an IPv4 literal, or an IPv6 literal in brackets; no port. */
export const ALLOWED_HOST_NAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;

export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** The name part of a Host header value (`name`, `name:port`, `[v6]`, `[v6]:port`), lower-cased; '' if malformed. */
export function hostName(host: string): string {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(host);
  return m?.[1]?.toLowerCase() ?? '';
}

/** Validate operator-allowed names once (at start-up); returns the problems (empty when every name is valid). */
export function checkAllowedHosts(names: readonly string[]): string[] {
  return names.filter((n) => !ALLOWED_HOST_NAME.test(n)).map((n) => `${JSON.stringify(n)} is not a host name (a DNS name or an IP address, without a port)`);
}

/** true when the Host header names this host: a loopback name or address, or one of `allowed` (any port). */
export function isLocalHostHeader(host: string | undefined, allowed: readonly string[] = []): boolean {
  if (host === undefined || host === '') return false;
  if (LOOPBACK_HOST.test(host)) return true;
  const name = hostName(host);
  return name !== '' && allowed.some((a) => a.toLowerCase() === name);
}

/** The message a refused request gets, in every listener's own protocol. */
export function refusedHostMessage(option: string): string {
  return `This listener answers only under a loopback host name (localhost, 127.0.0.1, [::1]) or a name allowed with ${option}.`;
}

/** A counter of refused Host headers, for a listener's status or metrics. */
export interface HostRefusals {
  count(): number;
  refuse(): void;
}

export function createHostRefusals(): HostRefusals {
  let n = 0;
  return {
    count: () => n,
    refuse: () => {
      n += 1;
    },
  };
}
