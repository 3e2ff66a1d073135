/**
 * The three attack classes of issue 10, each by a client that does not know the secret, on loopback only, bounded
 * in connections and time. Each keeps its connections up for the whole run: a connection the proxy closes is
 * opened again (after `reconnectDelayMs`), as a real attacker would.
 * 1. pipeline-flood: `connections` connections each write `requests` pipelined GET /ping at once, never read the
 *    answers, and close; then again.
 * 2. slot-hold: `connections` connections each send the headers of a request signed with the right access key id
 *    (it is not secret) and a wrong secret, declaring a 200,000-byte body that never comes.
 * 3. idle-hold: `connections` keep-alive connections each make one GET /ping and then stay open, one more
 *    request every `requestEveryMs`.
 */
import { connect, type Socket } from 'node:net';
import { buildSignedHead } from '../load/raw-request.js';

export const ATTACK_CLASSES = ['pipeline-flood', 'slot-hold', 'idle-hold'] as const;
export type AttackClass = (typeof ATTACK_CLASSES)[number];

export interface AttackOptions {
  readonly port: number;
  readonly connections: number;
  /** pipeline-flood: requests written per connection. */
  readonly requests?: number;
  /** idle-hold: one request per connection this often. */
  readonly requestEveryMs?: number;
  /** slot-hold: the access key id and region to sign with (the secret is wrong on purpose). */
  readonly accessKeyId?: string;
  readonly region?: string;
  readonly reconnectDelayMs?: number;
}

export interface AttackStats {
  connectionsOpened: number;
  connectionsClosedByServer: number;
  connectErrors: number;
  requestsWritten: number;
}

export interface RunningAttack {
  readonly stats: AttackStats;
  /** Close every connection and stop reconnecting. */
  stop(): void;
}

const PING = 'GET /ping HTTP/1.1\r\nHost: attacker\r\n\r\n';
const WRONG_SECRET = 'WRONGWRONGWRONGWRONGWRONGWRONGWRONGWRONGWRO';

export function startAttack(kind: AttackClass, options: AttackOptions): RunningAttack {
  const stats: AttackStats = { connectionsOpened: 0, connectionsClosedByServer: 0, connectErrors: 0, requestsWritten: 0 };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const reconnectDelayMs = options.reconnectDelayMs ?? 10;
  const later = (fn: () => void, ms: number): void => {
    if (stopped) return;
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) fn();
    }, ms);
    timers.add(t);
  };

  const pipelined = PING.repeat(options.requests ?? 5000);
  const slotHoldHead = buildSignedHead({
    path: '/kms/xks/v1/health',
    body: '{}'.padEnd(200_000, ' '),
    accessKeyId: options.accessKeyId ?? 'AKIAI2SFODNN7EXAMPLE',
    secret: WRONG_SECRET,
    region: options.region ?? 'us-east-1',
  });

  /** One attacker slot: open a connection, behave, open again when it is gone. */
  const slot = (): void => {
    if (stopped) return;
    const socket = connect(options.port, '127.0.0.1');
    sockets.add(socket);
    let connected = false;
    let closedByUs = false;
    let interval: NodeJS.Timeout | undefined;
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      connected = true;
      stats.connectionsOpened += 1;
      if (kind === 'pipeline-flood') {
        socket.pause(); // never read the answers
        socket.write(pipelined, () => {
          closedByUs = true;
          socket.destroy();
        });
        stats.requestsWritten += options.requests ?? 5000;
      } else if (kind === 'slot-hold') {
        socket.resume();
        socket.write(slotHoldHead);
        stats.requestsWritten += 1;
      } else {
        socket.resume(); // read (and drop) the answers, stay open
        socket.write(PING);
        stats.requestsWritten += 1;
        interval = setInterval(() => {
          socket.write(PING);
          stats.requestsWritten += 1;
        }, options.requestEveryMs ?? 30_000);
      }
    });
    socket.once('close', () => {
      sockets.delete(socket);
      clearInterval(interval);
      if (!connected) stats.connectErrors += 1;
      else if (!closedByUs && !stopped) stats.connectionsClosedByServer += 1;
      later(slot, connected ? reconnectDelayMs : Math.max(reconnectDelayMs, 50));
    });
  };

  // Ramp up in batches so the attack itself does not stall on its own connects.
  const batch = 200;
  for (let i = 0; i < options.connections; i += batch) {
    const n = Math.min(batch, options.connections - i);
    later(() => {
      for (let k = 0; k < n; k++) slot();
    }, (i / batch) * 20);
  }

  return {
    stats,
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
    },
  };
}
