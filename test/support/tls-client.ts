/** Real TLS clients for transport tests: node's tls/https with aws4-signed XKS requests. */
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET } from './test-app.js';
import { signXksHeaders } from './sign-xks.js';

export interface HandshakeResult {
  readonly ok: boolean;
  readonly protocol?: string | null;
  readonly cipher?: string;
  readonly alpn?: string | false | null;
  readonly error?: string;
  readonly code?: string;
  /** After the handshake: did the server answer a request, or close the connection? */
  readonly httpStatusLine?: string;
}

/**
 * Handshake with the server, then send a GET /ping and read the first response line. With TLS 1.3 a client
 * certificate the server rejects surfaces as an alert on the first read, so the request is part of the probe.
 */
export function probeTls(port: number, options: ConnectionOptions): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let data = '';
    const done = (r: HandshakeResult) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(r);
    };
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, servername: 'localhost', ...options });
    let info: Partial<HandshakeResult> = {};
    socket.once('secureConnect', () => {
      info = { protocol: socket.getProtocol(), cipher: socket.getCipher().name, alpn: socket.alpnProtocol };
      socket.write('GET /ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      const line = data.split('\r\n')[0];
      if (data.includes('\r\n') && line !== undefined) done({ ok: true, ...info, httpStatusLine: line });
    });
    socket.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, ...info, error: e.message, ...(e.code !== undefined && { code: e.code }) }));
    socket.once('close', () => done({ ok: false, ...info, error: 'closed without an HTTP response' }));
    socket.setTimeout(5000, () => done({ ok: false, error: 'timeout' }));
  });
}

export interface SignedResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** POST a SigV4-signed (aws4) XKS request over https (with `tls` options) or http. */
export function signedXksRequest(
  url: string,
  path: string,
  body: unknown,
  options: { tls?: ConnectionOptions; accessKeyId?: string; secret?: string; host?: string; agent?: false } = {},
): Promise<SignedResponse> {
  const target = new URL(url);
  const raw = JSON.stringify(body);
  const host = options.host ?? 'localhost';
  const headers = signXksHeaders({ host, path, body: raw, region: TEST_REGION, accessKeyId: options.accessKeyId ?? TEST_ACCESS_KEY_ID, secret: options.secret ?? TEST_SECRET });
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: '127.0.0.1',
        port: target.port,
        method: 'POST',
        path,
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(raw)) },
        servername: 'localhost',
        agent: false,
        ...options.tls,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }));
      },
    );
    req.on('error', reject);
    req.end(raw);
  });
}

export const healthBody = { requestMetadata: { kmsRequestId: 'tls-1', kmsOperation: 'KmsHealthCheck' } };
