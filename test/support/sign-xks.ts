/**
 * The one place tests sign an XKS request: SigV4 by the independent `aws4` library (never the proxy's own code),
 * service `kms-xks-proxy`, the headers KMS sends. The transports (supertest in test-app.ts, node:http in
 * signed-post.ts, TLS in tls-client.ts, raw bytes in load/raw-request.ts) all call it.
 */
import aws4 from 'aws4';
import { formatAmzDate } from '../../src/sigv4/index.js';

export interface XksSignature {
  readonly host: string;
  readonly path: string;
  /** The exact bytes the signature covers. */
  readonly body: string | Buffer;
  readonly accessKeyId: string;
  readonly secret: string;
  readonly region: string;
  readonly method?: string;
  readonly service?: string;
  /** Signing time (epoch ms); absent: now. */
  readonly time?: number;
  /** `null`: no Content-Type header; absent: application/json. */
  readonly contentType?: string | null;
  /** Extra headers, signed as well where aws4 signs them (it signs all but a few). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The signed headers (Host, X-Amz-Date, Authorization, Content-Type, ...); Content-Length only when given in `headers`. */
export function signXksHeaders(request: XksSignature): Record<string, string> {
  const headers: Record<string, string> = {
    Host: request.host,
    ...(request.time !== undefined && { 'X-Amz-Date': formatAmzDate(request.time) }),
    ...(request.contentType !== null && { 'Content-Type': request.contentType ?? 'application/json' }),
    ...request.headers,
  };
  const signed = aws4.sign(
    { host: request.host, method: request.method ?? 'POST', path: request.path, service: request.service ?? 'kms-xks-proxy', region: request.region, headers, body: request.body },
    { accessKeyId: request.accessKeyId, secretAccessKey: request.secret },
  );
  // aws4 adds Content-Length for the body it signed; a length the caller declared on purpose stays.
  const declared = Object.keys(request.headers ?? {}).some((name) => name.toLowerCase() === 'content-length');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers ?? {})) {
    if (declared || name.toLowerCase() !== 'content-length') out[name] = String(value);
  }
  return out;
}
