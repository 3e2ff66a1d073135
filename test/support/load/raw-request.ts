/**
 * XKS requests as raw HTTP/1.1 bytes, signed by aws4 (independent of the proxy's SigV4 code), for clients that
 * write to sockets directly: the attack harness, the benchmark's load generator and the front-door tests.
 */
import { signXksHeaders } from '../sign-xks.js';

export interface RawRequestOptions {
  readonly path: string;
  readonly body: string;
  readonly host?: string;
  readonly accessKeyId: string;
  readonly secret: string;
  readonly region: string;
  /** Declared Content-Length (default: the body's length). */
  readonly contentLength?: number;
  readonly keepAlive?: boolean;
}

/** The request line and headers (ending with the blank line), signed over `body`. */
export function buildSignedHead(options: RawRequestOptions): string {
  const host = options.host ?? 'xks.example.com';
  const headers = signXksHeaders({ host, path: options.path, body: options.body, region: options.region, accessKeyId: options.accessKeyId, secret: options.secret });
  const lines = [`POST ${options.path} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  lines.push(`Content-Length: ${options.contentLength ?? Buffer.byteLength(options.body)}`);
  if (options.keepAlive === false) lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Headers and body as one buffer (what a real client such as KMS sends at once). */
export function buildSignedRequest(options: RawRequestOptions): Buffer {
  return Buffer.concat([Buffer.from(buildSignedHead(options), 'latin1'), Buffer.from(options.body)]);
}
