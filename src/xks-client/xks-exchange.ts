/**
 * One HTTP exchange with an XKS proxy on a given agent, bounded by the proxy's budget (clause A16: 250 ms), that
 * names the phase that failed. The budget is the proxy's time on the wire: it starts when the request has its
 * socket (a kept-alive socket: the moment the request is written; a new one: its TCP and TLS handshakes, which
 * A16 also covers) and ends with the response's last byte, never earlier (time spent waiting for a socket is the
 * emulator's). When the emulator's own event loop was busy and the budget timer fires late, the call gets that
 * time back (bounded) and the lag is reported as the emulator's, and before a timeout is declared, answers
 * already received get processed.
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { SecureContext } from 'node:tls';
import type { LookupFunction } from 'node:net';
import type { FailurePhase, XksTransportResult } from './xks-transport.js';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const MAX_RESPONSE_BYTES = 1024 * 1024;
/** A budget timer firing later than this means the emulator's event loop was busy, not that the proxy was slow. */
export const LAG_TOLERANCE_MS = 20;
/** At most this many times a call gets lag back (so a hung proxy still times out). */
const MAX_LAG_EXTENSIONS = 3;

export interface ProxyExchange {
  readonly secure: boolean;
  readonly options: {
    readonly host: string;
    readonly port: number;
    readonly path: string;
    readonly method: string;
    readonly headers: Record<string, string>;
    readonly lookup: LookupFunction;
    readonly secureContext?: SecureContext;
    readonly servername?: string;
    readonly minVersion?: 'TLSv1.2';
  };
  readonly body: string;
  readonly timeoutMs: number;
  /** false: a fresh connection, closed after the call. */
  readonly agent: http.Agent | false;
  readonly onLag?: (detail: string) => void;
}

export type ExchangeResult = XksTransportResult & { readonly staleSocket?: boolean };

/** A request that never gets a socket within this many budgets fails as the emulator's (it never reached the wire). */
const SOCKET_WAIT_BUDGETS = 20;

export function exchangeWithProxy(x: ProxyExchange): Promise<ExchangeResult> {
  let onWire: number | undefined;
  const elapsed = (): number => (onWire === undefined ? 0 : Math.round(performance.now() - onWire));
  return new Promise((resolve) => {
    let settled = false;
    let connected = false;
    let secured = false;
    let answered = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: ExchangeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = (x.secure ? https : http).request({ ...x.options, agent: x.agent }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        finish({ kind: 'response', status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), elapsedMs: elapsed() });
      });
      res.on('error', (e) => finish({ kind: 'failure', phase: 'tcp', detail: e.message, elapsedMs: elapsed() }));
    });
    req.on('socket', (socket) => {
      // The proxy's budget starts here, not when the call was made.
      clearTimeout(timer);
      onWire = performance.now();
      arm(x.timeoutMs);
      // A kept-alive socket is already connected (and secured).
      if (!socket.connecting) {
        connected = true;
        secured = true;
      }
      socket.once('connect', () => {
        connected = true;
      });
      socket.once('secureConnect', () => {
        secured = true;
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? '';
      let phase: FailurePhase;
      if (DNS_CODES.has(code)) phase = 'dns';
      else if (!connected) phase = 'tcp';
      else if (x.secure && !secured) phase = 'tls';
      else phase = 'tcp';
      const stale = req.reusedSocket && !answered && (code === 'ECONNRESET' || code === 'EPIPE');
      finish({ kind: 'failure', phase, detail: `${code} ${e.message}`.trim(), elapsedMs: elapsed(), ...(stale && { staleSocket: true }) });
    });
    let extensions = 0;
    const arm = (ms: number): void => {
      const due = performance.now() + ms;
      timer = setTimeout(() => {
        const late = performance.now() - due;
        if (late > LAG_TOLERANCE_MS && extensions < MAX_LAG_EXTENSIONS) {
          extensions++;
          x.onLag?.(`the emulator's event loop ran the ${x.timeoutMs} ms budget timer ${Math.round(late)} ms late; the proxy call got that time back`);
          arm(late);
          return;
        }
        // Let answers that already arrived be read first (I/O callbacks run before setImmediate).
        setImmediate(() => {
          if (settled) return;
          finish({ kind: 'failure', phase: 'timeout', detail: `no complete answer within ${x.timeoutMs} ms`, elapsedMs: elapsed() });
          req.destroy();
        });
      }, ms);
    };
    // Guard: a socket the agent never hands out is the emulator's failure, not the proxy's.
    timer = setTimeout(() => {
      finish({ kind: 'failure', phase: 'emulator-queue', detail: `no connection to the proxy within ${x.timeoutMs * SOCKET_WAIT_BUDGETS} ms`, elapsedMs: 0 });
      req.destroy();
    }, x.timeoutMs * SOCKET_WAIT_BUDGETS);
    req.end(x.body);
  });
}
