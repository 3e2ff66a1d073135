/**
 * The Node.js internals the request path relies on, pinned so that a Node upgrade that changes them fails here,
 * loudly and by name, instead of quietly disabling a protection. Checked against Node.js 20.20 (the suite also
 * runs on the newer LTS lines, see docs/development.md).
 *
 * - src/proxy/transport/connection-guard.ts replaces `socket.parser.onIncoming` (undocumented) and returns -1 from
 *   it to stop llhttp in the middle of a read full of pipelined requests.
 * - src/proxy/http/lingering-close.ts replaces `socket.destroySoon`, which Node's HTTP server calls once a
 *   `Connection: close` response has finished.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';

interface Parser {
  onIncoming: (this: unknown, req: IncomingMessage, keepAlive: boolean) => number;
}

async function listen(server: ReturnType<typeof createServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

test('node internals: a server socket has parser.onIncoming, and returning -1 from it stops parsing the rest of the read', async () => {
  const handled: string[] = [];
  const server = createServer((req, res) => {
    handled.push(req.url ?? '');
    res.end('ok');
  });
  let onIncomingCalls = 0;
  let hadParser = false;
  server.on('connection', (socket: Socket) => {
    const parser = (socket as unknown as { parser?: Partial<Parser> }).parser;
    hadParser = typeof parser?.onIncoming === 'function';
    if (!hadParser) return;
    const original = (parser as Parser).onIncoming;
    (parser as Parser).onIncoming = function (req, keepAlive) {
      onIncomingCalls += 1;
      if (onIncomingCalls === 1) return original.call(this, req, keepAlive);
      socket.destroy();
      return -1; // STOP_PARSING in connection-guard.ts
    };
  });
  const clientErrors: string[] = [];
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    clientErrors.push(error.code ?? error.message);
    socket.destroy();
  });
  const port = await listen(server);
  try {
    const client = connect(port, '127.0.0.1');
    client.on('error', () => undefined);
    client.resume();
    client.write('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n');
    await new Promise<void>((resolve) => client.once('close', () => resolve()));
    assert.equal(hadParser, true, `Node ${process.version}: server sockets no longer expose parser.onIncoming (connection-guard.ts falls back to its slower path)`);
    assert.equal(onIncomingCalls, 2, 'the third pipelined request was parsed after onIncoming returned -1: llhttp no longer stops there');
    assert.deepEqual(handled, ['/1']);
    assert.deepEqual(clientErrors, ['HPE_CB_HEADERS_COMPLETE'], 'the stopped parser no longer reports clientError');
  } finally {
    server.close();
  }
});

test('node internals: the HTTP server calls socket.destroySoon() once a Connection: close response has finished', async () => {
  const calls: { finished: boolean }[] = [];
  const server = createServer((req, res) => {
    const socket = req.socket;
    const original = socket.destroySoon.bind(socket);
    socket.destroySoon = () => {
      calls.push({ finished: res.writableFinished });
      original();
    };
    res.writeHead(401, { Connection: 'close', 'Content-Type': 'application/json' }).end('{}');
  });
  const port = await listen(server);
  try {
    const client = connect(port, '127.0.0.1');
    client.on('error', () => undefined);
    client.resume();
    client.write('POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n');
    await new Promise<void>((resolve) => client.once('close', () => resolve()));
    assert.deepEqual(calls, [{ finished: true }], `Node ${process.version} no longer ends a Connection: close response with socket.destroySoon(): lingering-close.ts would never linger`);
  } finally {
    server.close();
  }
});
