import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RefusalCounters, RefusalReason } from '../http/refusal-counters.js';
import { MAX_BODY_BYTES } from '../../xks/limits.js';

/** The connection-level bounds of config.limits (docs/configuration.md "Limits and slow clients"). */
export interface ConnectionLimits {
  readonly maxConnections: number;
  /** Room kept free for new connections: above maxConnections - reservedConnections, idle connections are closed. */
  readonly reservedConnections: number;
  /** 0 = no per-address limit (behind a load balancer every connection has the same address). */
  readonly maxConnectionsPerAddress: number;
  readonly maxPipelinedRequests: number;
  readonly maxPipelinedBytes: number;
  /** Also the longest a new connection may stay silent before its first request. */
  readonly headersTimeoutMs: number;
}

/** One HTTP-level connection (the TLS socket for HTTPS). */
interface Connection {
  readonly socket: Socket;
  readonly address: string;
  /** Requests received whose response has not finished (pipelining queues them). */
  depth: number;
  /** Declared Content-Length of those requests: input the proxy may still have to hold. */
  declaredBytes: number;
  /** Requests received so far on this connection. */
  requests: number;
  /** Closed by this guard: later parser errors are not counted again. */
  refused: boolean;
}

/**
 * What llhttp's on_headers_complete callback returns to stop parsing with an error (llhttp: -1 = "user callback
 * error", HPE_CB_HEADERS_COMPLETE): Node's HTTP server returns its `parser.onIncoming` result to llhttp as is.
 */
const STOP_PARSING = -1;

interface ParserWithIncoming {
  onIncoming: (req: IncomingMessage, keepAlive: boolean) => number;
}

function parserOf(socket: Socket): ParserWithIncoming | undefined {
  const parser = (socket as unknown as { parser?: { onIncoming?: unknown } }).parser;
  return typeof parser?.onIncoming === 'function' ? (parser as ParserWithIncoming) : undefined;
}

export interface ConnectionGuard {
  /** The request listener to give the HTTP server: per-connection bounds first, then `listener`. */
  wrap(listener: RequestListener): RequestListener;
  /** A reload: new limits apply to the next connection and request. */
  apply(limits: ConnectionLimits): void;
  /** Open connections (TCP, including TLS handshakes in progress). */
  readonly open: number;
}

/** What Node's HTTP parser answers when no 'clientError' listener exists; we keep its answers and count them. */
const CLIENT_ERROR_RESPONSES: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n',
  ERR_HTTP_REQUEST_TIMEOUT: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n',
};
const BAD_REQUEST_RESPONSE = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';

/**
 * The declared body a request may make the proxy hold. A body above MAX_BODY_BYTES is refused before it is read (the
 * connection then closes after a lingering close), so it counts as MAX_BODY_BYTES: it gets its 501, not a silent
 * close (issue 8).
 */
function declaredLength(req: IncomingMessage): number {
  const value = req.headers['content-length'];
  if (value === undefined) return 0;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.min(n, MAX_BODY_BYTES) : 0;
}

/**
 * Bounds on connections, enforced before any request handler runs (the three attack classes of issue 10):
 * - a cap on open connections (Node's server.maxConnections) with `reservedConnections` kept free: once open
 *   connections pass maxConnections - reservedConnections, each new connection closes the connection that has been
 *   idle longest (keep-alive between requests, or connected and silent), as nginx does, sparing connections that
 *   have carried a signed request while any other is idle; a connection with a request in progress is never closed
 *   for room;
 * - an optional cap per remote address;
 * - pipelining: a connection that queues more than maxPipelinedRequests requests, or more than maxPipelinedBytes of
 *   declared bodies, is closed; requests parsed after their connection is gone are dropped without any work.
 * Header and body timeouts are Node's (headersTimeout, requestTimeout); this guard counts them ('clientError').
 */
export function createConnectionGuard(
  server: Server,
  initial: ConnectionLimits,
  deps: {
    refusals: RefusalCounters;
    onRefusal?: (reason: RefusalReason, detail: { remoteAddress?: string }) => void;
    tls: boolean;
    /** Connections that have carried a signed request (the app adds them): closed for room only when no other is idle. */
    authenticated?: { has(socket: object): boolean };
  },
): ConnectionGuard {
  let limits = initial;
  const connections = new Map<Socket, Connection>();
  /** Connections without a request in progress, least recently active first (Map keeps insertion order). */
  const idle = new Map<Socket, Connection>();
  const perAddress = new Map<string, number>();
  let open = 0;

  const refuse = (reason: RefusalReason, socket: Socket): void => {
    deps.refusals.increment(reason);
    deps.onRefusal?.(reason, { ...(socket.remoteAddress !== undefined && { remoteAddress: socket.remoteAddress }) });
  };

  /**
   * Close the connection idle longest (optionally: from this address), never `except`; one that has carried a signed
   * request only when no other is idle (an attacker without the secret cannot push a signed client's connection out).
   */
  const closeIdle = (except: Socket, address?: string): boolean => {
    for (const spareSigned of [true, false]) {
      for (const [socket, conn] of idle) {
        if (socket === except || (address !== undefined && conn.address !== address)) continue;
        if (spareSigned && deps.authenticated?.has(socket) === true) continue;
        idle.delete(socket);
        refuse('idleClosed', socket);
        socket.destroy();
        return true;
      }
    }
    return false;
  };

  server.maxConnections = initial.maxConnections;
  // Node closes a connection above maxConnections before 'connection' is emitted, and says so with 'drop'.
  server.on('drop', () => deps.refusals.increment('connections'));

  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    open += 1;
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    socket.once('close', () => {
      open -= 1;
      const n = (perAddress.get(address) ?? 1) - 1;
      if (n === 0) perAddress.delete(address);
      else perAddress.set(address, n);
    });
    const perAddressLimit = limits.maxConnectionsPerAddress;
    if (perAddressLimit > 0 && (perAddress.get(address) ?? 0) > perAddressLimit && !closeIdle(socket, address)) {
      refuse('connections', socket);
      socket.destroy();
      return;
    }
    if (open > limits.maxConnections - limits.reservedConnections) closeIdle(socket);
    if (!deps.tls) track(socket, address);
  });
  if (deps.tls) {
    // The HTTP parser sees the TLS socket; a connection enters the idle list once its handshake is done.
    server.on('secureConnection', (socket: Socket) => {
      if (!socket.destroyed) track(socket, socket.remoteAddress ?? '');
    });
  }

  /** The verdict on one more request on `conn`: undefined to serve it, else why the connection is closed. */
  const overBudget = (conn: Connection, declared: number): RefusalReason | undefined => {
    if (conn.socket.destroyed) return 'connectionGone';
    if (conn.depth >= limits.maxPipelinedRequests || conn.declaredBytes + declared > limits.maxPipelinedBytes) return 'pipelining';
    return undefined;
  };

  const close = (conn: Connection, reason: RefusalReason): void => {
    if (!conn.refused) refuse(reason, conn.socket);
    conn.refused = true;
    conn.socket.destroy();
  };

  /**
   * Stop the HTTP parser itself at the first request over budget. Node parses a whole read (64 KiB: about 2000
   * pipelined GETs) in one go and builds a request and a response for each, even after the socket is destroyed;
   * measured, that costs tens of ms per flooding connection, enough for a few dozen connections to starve every
   * other client. Node hands `parser.onIncoming`'s return value to llhttp, where STOP_PARSING ends the read at
   * once; the parser then reports an error ('clientError'), and the connection is already closed. `parser` is an
   * undocumented property of Node's server sockets: when it is missing, the 'request' path below still closes the
   * connection and drops each remaining request without work, only more slowly. Checked against Node.js 20.20;
   * test/unit/proxy/transport/node-internals.test.ts fails when a Node release changes either behaviour.
   */
  const interceptParser = (conn: Connection): void => {
    const parser = parserOf(conn.socket);
    if (parser === undefined) return;
    const onIncoming = parser.onIncoming;
    parser.onIncoming = function (this: unknown, req, keepAlive) {
      const reason = overBudget(conn, declaredLength(req));
      if (reason === undefined) return onIncoming.call(this, req, keepAlive);
      close(conn, reason);
      return STOP_PARSING;
    };
  };

  function track(socket: Socket, address: string): void {
    const conn: Connection = { socket, address, depth: 0, declaredBytes: 0, requests: 0, refused: false };
    interceptParser(conn);
    connections.set(socket, conn);
    idle.set(socket, conn);
    // Node's headersTimeout starts with the first byte of a request: a connection that sends nothing at all would
    // stay open for ever. Until its first request it gets headersTimeoutMs of silence (Node's own 'timeout'
    // handler closes it); from then on Node's timeouts apply (keepAliveTimeout between requests).
    socket.setTimeout(limits.headersTimeoutMs);
    socket.once('timeout', () => {
      if (conn.requests === 0) refuse('headersTimeout', socket);
    });
    socket.once('close', () => {
      connections.delete(socket);
      idle.delete(socket);
    });
  }

  // Counted here; answered as Node would without a listener (408, 431, 400) when no response is in progress.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // Already half-closed by the proxy after a refusal (src/proxy/http/lingering-close.ts): the refused request's parser
    // ending mid-body, or its request timeout, is the end of that lingering close, not another refusal.
    if (socket.writableEnded) {
      socket.destroy();
      return;
    }
    const conn = connections.get(socket);
    if (conn?.refused === true) {
      socket.destroy();
      return;
    }
    const inProgress = conn !== undefined && conn.depth > 0;
    const code = error.code ?? '';
    // A client that closes in the middle of a request (HPE_INVALID_EOF_STATE) went away; it sent nothing malformed.
    const parseError = code.startsWith('HPE_') && code !== 'HPE_INVALID_EOF_STATE';
    if (code === 'ERR_HTTP_REQUEST_TIMEOUT') refuse(inProgress ? 'slowBody' : 'headersTimeout', socket);
    else if (parseError) refuse('malformed', socket);
    if (socket.writable && !inProgress && (parseError || code === 'ERR_HTTP_REQUEST_TIMEOUT')) socket.write(CLIENT_ERROR_RESPONSES[code] ?? BAD_REQUEST_RESPONSE);
    socket.destroy();
  });

  return {
    wrap(listener) {
      return (req: IncomingMessage, res: ServerResponse) => {
        const socket = req.socket;
        // Pipelined requests parsed from input that arrived before the connection closed: no work for them.
        if (socket.destroyed) {
          deps.refusals.increment('connectionGone');
          return;
        }
        const conn = connections.get(socket);
        if (conn !== undefined) {
          const declared = declaredLength(req);
          const reason = overBudget(conn, declared);
          if (reason !== undefined) {
            close(conn, reason);
            return;
          }
          if (conn.requests === 0) socket.setTimeout(0);
          conn.requests += 1;
          conn.depth += 1;
          conn.declaredBytes += declared;
          idle.delete(socket);
          res.once('close', () => {
            conn.depth -= 1;
            conn.declaredBytes -= declared;
            if (conn.depth === 0 && !socket.destroyed) idle.set(socket, conn);
          });
        }
        listener(req, res);
      };
    },
    apply(next) {
      limits = next;
      server.maxConnections = next.maxConnections;
    },
    get open() {
      return open;
    },
  };
}
