import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** How long and how much a refused client may keep sending after its response (config `limits`). */
export interface LingeringCloseLimits {
  readonly lingeringCloseMs: number;
  readonly lingeringCloseMaxBytes: number;
}

/** Why a lingering close ended: the client closed its side, the time or byte bound was hit, or the socket died. */
export type LingerOutcome = 'client-closed' | 'time-limit' | 'byte-limit' | 'socket-closed' | 'not-needed';

/**
 * A refusal sent before the request body has been read (404, 405, 401 from the headers, 429, body too large) ends
 * with `Connection: close`. Closing the socket at once, with the client's unread bytes still arriving, makes the
 * kernel send a reset that can destroy the response before the client reads it (a client that writes its whole
 * body before reading sees EPIPE/ECONNRESET instead of the JSON error). So, like nginx's lingering close: after the
 * response, half-close (FIN), then read and discard what the client still sends until it closes its side, or for at
 * most `lingeringCloseMs` and `lingeringCloseMaxBytes`, then close.
 *
 * The discarded bytes never reach the HTTP parser again (they cannot start another request), and the request's
 * concurrency slot is released when the response finishes, as for any request. Returns the headers to send.
 */
export function lingerAfterRefusal(
  req: IncomingMessage,
  limits: LingeringCloseLimits,
  onDone: (outcome: LingerOutcome, discardedBytes: number) => void = () => undefined,
): Record<string, string> {
  const socket = req.socket;
  // Node's HTTP server calls socket.destroySoon() once a `Connection: close` response has finished; this socket
  // lingers instead. Only this socket's method is replaced, and only for the refusal being sent. Checked against
  // Node.js 20.20; test/unit/proxy/transport/node-internals.test.ts fails when Node stops calling destroySoon().
  socket.destroySoon = () => {
    socket.end();
    if (req.complete || limits.lingeringCloseMs === 0 || limits.lingeringCloseMaxBytes === 0) {
      destroyWhenFlushed(socket);
      onDone('not-needed', 0);
      return;
    }
    drain(socket, limits, onDone);
  };
  return { Connection: 'close' };
}

function destroyWhenFlushed(socket: Socket): void {
  if (socket.writableFinished) socket.destroy();
  else socket.once('finish', () => socket.destroy());
}

function drain(socket: Socket, limits: LingeringCloseLimits, onDone: (outcome: LingerOutcome, discardedBytes: number) => void): void {
  let discarded = 0;
  let outcome: LingerOutcome | undefined;
  const settle = (reason: LingerOutcome): void => {
    if (outcome !== undefined) return;
    outcome = reason;
    socket.off('data', onData).off('end', onEnd);
    onDone(reason, discarded);
  };
  const onData = (chunk: Buffer): void => {
    discarded += chunk.length;
    if (discarded <= limits.lingeringCloseMaxBytes) return;
    settle('byte-limit');
    socket.destroy();
  };
  // Both sides have sent FIN: close once the response is flushed (the timer still bounds a client that never reads).
  const onEnd = (): void => {
    settle('client-closed');
    destroyWhenFlushed(socket);
  };
  const onClose = (): void => {
    clearTimeout(timer);
    settle('socket-closed');
  };
  const timer = setTimeout(() => {
    settle('time-limit');
    socket.destroy();
  }, limits.lingeringCloseMs);
  timer.unref();

  socket.once('end', onEnd).once('close', onClose);
  // Adding a 'data' listener makes Node's HTTP server stop feeding the socket to its parser (it "unconsumes" it);
  // removing the server's own 'data' listener then keeps every further byte away from the parser.
  const detachFromParser = (): void => {
    socket.on('data', onData);
    for (const listener of socket.listeners('data')) {
      if (listener !== onData) socket.off('data', listener as (chunk: Buffer) => void);
    }
  };
  if (socket.readableFlowing === false) {
    // Paused by the server (unread body): resume it while the server still drives reading, so its 'resume' handler
    // restarts the reads; a socket detached while paused would never read again.
    socket.once('resume', detachFromParser);
    socket.resume();
  } else {
    detachFromParser();
  }
}
