/**
 * A real HAProxy (Debian package `haproxy`, installed by .ci/run) for the fleet e2e tests: started in the
 * foreground with one of the configurations under examples/, its addresses given through the environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { pollUntil } from './poll-until.js';
import { REPO_ROOT } from './proxy-process.js';

/** A loopback port that was free a moment ago (HAProxy and a restarted replica need to know it up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * The stats page as CSV, on a connection of its own (agent: false). fetch() reuses a kept-alive socket, and HAProxy
 * may close that socket just as the next poll writes on it ('fetch failed', seen once in a busy full run).
 */
function statsCsv(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/stats;csv', agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('haproxy stats: no answer within 5 s')));
    req.on('error', reject);
  });
}

export interface RunningHaproxy {
  readonly child: ChildProcess;
  readonly frontendPort: number;
  /** Server name -> status (UP, DOWN, ...) from the stats page's CSV. */
  serverStates(): Promise<Map<string, string>>;
  /** The backend's retries and redispatches so far (stats columns wretr, wredis). */
  retries(): Promise<{ retries: number; redispatches: number }>;
  /** Resolve when the server reaches the status (polling the stats page), or reject after timeoutMs. */
  waitFor(server: string, status: 'UP' | 'DOWN', timeoutMs?: number): Promise<number>;
  output(): string;
  stop(): Promise<void>;
}

export async function startHaproxy(example: string, env: Record<string, string>): Promise<RunningHaproxy> {
  const frontendPort = await freePort();
  const statsPort = await freePort();
  const child = spawn('haproxy', ['-db', '-f', join(REPO_ROOT, 'examples', example)], {
    env: { ...process.env, ...env, XKS_FRONTEND: `127.0.0.1:${frontendPort}`, XKS_HAPROXY_STATS: `127.0.0.1:${statsPort}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await pollUntil('haproxy to accept connections', async () => {
      if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}`);
      return canConnect(frontendPort);
    }, { intervalMs: 50, timeoutMs: 60_000 });
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`haproxy did not start (${error instanceof Error ? error.message : String(error)}):\n${out}`);
  }
  const rows = async () => {
    const csv = await statsCsv(statsPort);
    return csv.split('\n').slice(1).map((line) => line.split(','));
  };
  const serverStates = async () => {
    const states = new Map<string, string>();
    for (const f of await rows()) {
      if (f[0] !== undefined && f[1] !== undefined && f[17] !== undefined && f[1] !== 'FRONTEND' && f[1] !== 'BACKEND') states.set(f[1], f[17]);
    }
    return states;
  };
  return {
    child,
    frontendPort,
    serverStates,
    async retries() {
      const backend = (await rows()).find((f) => f[0] === 'xks_replicas' && f[1] === 'BACKEND') ?? [];
      return { retries: Number(backend[15] ?? 0), redispatches: Number(backend[16] ?? 0) };
    },
    async waitFor(server, status, timeoutMs = 60_000) {
      const start = Date.now();
      let last: [string, string][] = [];
      // "UP 1/2" while rising, "DOWN 1/2" while falling: only the settled state counts.
      await pollUntil(`${server} ${status} in haproxy's stats`, async () => {
        const states = await serverStates();
        last = [...states];
        return states.get(server) === status;
      }, { intervalMs: 100, timeoutMs, describe: () => JSON.stringify(last) });
      return Date.now() - start;
    },
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
