import { escapeControlLines } from '../logging/escape-control.js';
import { ConfigError } from '../proxy/config/load-config.js';

/**
 * The message `xks` prints for a failed command. A permission error names the path, the uid the process runs as
 * and what to change: the usual case is a Docker volume (./keys at /app/keys) owned by another uid than the
 * container's.
 */
export function describeCliError(error: unknown, uid: number | undefined): string {
  // Messages may quote what a proxy or an admin listener answered: escaped for the terminal (issue 21).
  return escapeControlLines(describe(error, uid));
}

function describe(error: unknown, uid: number | undefined): string {
  if (error instanceof ConfigError) return error.message;
  const e = error as NodeJS.ErrnoException | undefined;
  if (e !== undefined && (e.code === 'EACCES' || e.code === 'EPERM') && typeof e.path === 'string') {
    const who = uid === undefined ? 'this user' : `uid ${uid}`;
    return (
      `permission denied: cannot ${e.syscall ?? 'access'} ${e.path} as ${who}. Make the directory writable by ${who} ` +
      `(e.g. chown ${uid ?? '<uid>'} on it); with Docker Compose, run the container as yourself: ` +
      'XKS_UID=$(id -u) XKS_GID=$(id -g) docker compose up'
    );
  }
  return error instanceof Error ? error.message : String(error);
}
