/**
 * `xks kms --host` on anything but loopback: the emulator's API accepts any well-formed signature (unless
 * --credential is given) and its console is unauthenticated, so the whole network can read and change its keys.
 * Said loudly at start-up; docs/kms-emulator.md says what to put in front.
 */
const LOOPBACK_LISTEN = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i;

export function isLoopbackListenHost(host: string): boolean {
  return LOOPBACK_LISTEN.test(host);
}

export function exposedEmulatorWarning(host: string): string {
  return (
    `WARNING: the KMS emulator listens on ${host}, not on loopback: anyone who reaches this port can call its API ` +
    '(any well-formed signature is accepted unless --credential is given) and change its keys and key stores.\n' +
    '  Put an authenticating reverse proxy (TLS and client authentication) or a firewall in front of it, and pass ' +
    '--allow-host NAME for the name clients use (docs/kms-emulator.md "Listening beyond loopback").\n'
  );
}
