/**
 * A programmable fake XKS proxy for tests: real SigV4 check (aws4), real path-prefix check, real AES-256-GCM
 * with the A8 AAD framing, and switchable faults (error statuses, bad JSON, slow, all key managers UNAVAILABLE,
 * wrong CDIV, corrupt plaintext). Like the real proxy it refuses requestMetadata without kmsRequestId/kmsOperation
 * (health included) and key usages that do not allow the call (an Encrypt with a CDIV needs DECRYPT too). HTTP or HTTPS, on 127.0.0.1 port 0.
 */
import aws4 from 'aws4';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export type FakeMode =
  | { readonly kind: 'normal' }
  | { readonly kind: 'status'; readonly status: number; readonly errorName?: string }
  | { readonly kind: 'bad-json' }
  | { readonly kind: 'invalid-health' }
  | { readonly kind: 'all-unavailable' }
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'wrong-cdiv' }
  | { readonly kind: 'corrupt-plaintext' };

export interface FakeKey {
  readonly key: Buffer;
  keyStatus: string;
  keyUsage: string[];
  keySpec: string;
}

export interface RecordedRequest {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  /** The status the fake answered (0 until it has). */
  status: number;
}

export interface FakeXksProxy {
  readonly port: number;
  readonly requests: RecordedRequest[];
  mode: FakeMode;
  /** Applies only to these API suffixes (e.g. '/health'); undefined: all. */
  modeScope: string | undefined;
  readonly keys: Map<string, FakeKey>;
  /** Mutable, to break the proxy side after a store was created. */
  accessKeyId: string;
  secret: string;
  uriPath: string;
  /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  connections(): number;
  close(): Promise<void>;
}

export const FAKE_ACCESS_KEY_ID = 'AKIAI2SFODNN7EXAMPLE';
export const FAKE_SECRET = 'FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE';

export interface FakeOptions {
  readonly uriPath?: string;
  readonly accessKeyId?: string;
  readonly secret?: string;
  readonly tls?: { readonly key: string; readonly cert: string };
  readonly externalKeyIds?: readonly string[];
}

function gcmAad(aad: Buffer, meta: Buffer): Buffer {
  const l = Buffer.alloc(2);
  l.writeUInt16BE(aad.length);
  return Buffer.concat([l, aad, Buffer.from([meta.length]), meta]);
}

function b(v: unknown): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.alloc(0);
}

export async function startFakeXksProxy(options: FakeOptions = {}): Promise<FakeXksProxy> {
  const keys = new Map<string, FakeKey>();
  for (const id of options.externalKeyIds ?? ['foo', 'bar']) keys.set(id, { key: randomBytes(32), keyStatus: 'ENABLED', keyUsage: ['ENCRYPT', 'DECRYPT'], keySpec: 'AES_256' });
  const requests: RecordedRequest[] = [];

  const send = (res: http.ServerResponse, status: number, body: unknown): void => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json' }).end(text);
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '';
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          /* recorded as {} */
        }
        const record: RecordedRequest = { path, headers: req.headers, body, status: 0 };
        requests.push(record);
        const reply = (status: number, answer: unknown): void => {
          record.status = status;
          send(res, status, answer);
        };
        // SigV4 (spec A12): recompute over the received signed headers.
        const auth = String(req.headers.authorization ?? '');
        const m = /Credential=([^/]+)\/(\d{8})\/([^/]+)\/kms-xks-proxy\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})/.exec(auth);
        if (m === null || m[1] !== fake.accessKeyId) return reply(401, { errorName: 'AuthenticationFailedException' });
        const headers: Record<string, string> = {};
        for (const h of (m[4] ?? '').split(';')) headers[h] = String(req.headers[h] ?? '');
        const signer = new aws4.RequestSigner({ method: 'POST', host: headers['host'], path, headers, body: raw, service: 'kms-xks-proxy', region: m[3], doNotModifyHeaders: true } as aws4.Request, { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secret });
        signer.datetime = headers['x-amz-date'] ?? '';
        const signed = signer.sign();
        if (!String(signed.headers?.['Authorization'] ?? '').endsWith(`Signature=${m[5]}`)) return reply(401, { errorName: 'AuthenticationFailedException' });
        if (!path.startsWith(`${fake.uriPath}/`)) return reply(404, { errorName: 'InvalidUriPathException' });
        const api = path.slice(fake.uriPath.length);
        const mode = fake.modeScope === undefined || api.endsWith(fake.modeScope) ? fake.mode : ({ kind: 'normal' } as const);
        if (mode.kind === 'slow') await new Promise((r) => setTimeout(r, mode.ms));
        if (mode.kind === 'status') return reply(mode.status, mode.errorName === undefined ? 'oops, not json' : { errorName: mode.errorName, errorMessage: 'fake' });
        if (mode.kind === 'bad-json') return reply(200, '{"xksProxyFleetSize": 1,');
        const meta = body['requestMetadata'];
        const metaFields = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : {};
        if (typeof metaFields['kmsRequestId'] !== 'string' || typeof metaFields['kmsOperation'] !== 'string') {
          // Like AWS's XKS test tooling and reference proxy (spec A10 note): every API, health included.
          return reply(400, { errorName: 'ValidationException', errorMessage: 'requestMetadata.kmsRequestId and kmsOperation are required' });
        }
        if (api === '/health') {
          const status = mode.kind === 'all-unavailable' ? 'UNAVAILABLE' : 'ACTIVE';
          return reply(200, {
            xksProxyFleetSize: mode.kind === 'invalid-health' ? 0 : 1,
            xksProxyVendor: 'Fake',
            xksProxyModel: 'Fake XKS 0.1',
            ekmVendor: 'Fake',
            ekmFleetDetails: [{ id: 'ekm-1', model: 'soft', healthStatus: status }, { id: 'ekm-2', model: 'soft', healthStatus: mode.kind === 'all-unavailable' ? 'UNAVAILABLE' : 'DEGRADED' }],
          });
        }
        const km = /^\/keys\/([^/]+)\/(metadata|encrypt|decrypt)$/.exec(api);
        if (km === null) return reply(404, { errorName: 'InvalidUriPathException' });
        const key = keys.get(decodeURIComponent(km[1] ?? ''));
        if (key === undefined) return reply(404, { errorName: 'KeyNotFoundException' });
        if (km[2] === 'metadata') return reply(200, { keySpec: key.keySpec, keyUsage: key.keyUsage, keyStatus: key.keyStatus });
        const aad = b(body['additionalAuthenticatedData']);
        const needs = km[2] === 'encrypt' ? ['ENCRYPT', ...(body['ciphertextDataIntegrityValueAlgorithm'] === undefined ? [] : ['DECRYPT'])] : ['DECRYPT'];
        // spec A9: a CDIV needs a check-decrypt, so an ENCRYPT-only key refuses an Encrypt that asks for one.
        if (!needs.every((u) => key.keyUsage.includes(u))) return reply(400, { errorName: 'InvalidKeyUsageException', errorMessage: 'fake' });
        if (km[2] === 'encrypt') {
          const iv = randomBytes(12);
          const meta = Buffer.from('v=1');
          const c = createCipheriv('aes-256-gcm', key.key, iv);
          c.setAAD(gcmAad(aad, meta));
          const ct = Buffer.concat([c.update(b(body['plaintext'])), c.final()]);
          const tag = c.getAuthTag();
          const out: Record<string, string> = { ciphertext: ct.toString('base64'), initializationVector: iv.toString('base64'), authenticationTag: tag.toString('base64'), ciphertextMetadata: meta.toString('base64') };
          if (body['ciphertextDataIntegrityValueAlgorithm'] === 'SHA_256') {
            const cdiv = createHash('sha256').update(aad).update(meta).update(iv).update(ct).update(tag).digest();
            if (mode.kind === 'wrong-cdiv') cdiv[0] = (cdiv[0] ?? 0) ^ 1;
            out['ciphertextDataIntegrityValue'] = cdiv.toString('base64');
          }
          return reply(200, out);
        }
        try {
          const d = createDecipheriv('aes-256-gcm', key.key, b(body['initializationVector']));
          d.setAAD(gcmAad(aad, b(body['ciphertextMetadata'])));
          d.setAuthTag(b(body['authenticationTag']));
          const pt = Buffer.concat([d.update(b(body['ciphertext'])), d.final()]);
          if (mode.kind === 'corrupt-plaintext') pt[0] = (pt[0] ?? 0) ^ 1;
          return reply(200, { plaintext: pt.toString('base64') });
        } catch {
          return reply(400, { errorName: 'InvalidCiphertextException' });
        }
      })();
    });
  };

  const server = options.tls === undefined ? http.createServer(handler) : https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler);
  let connectionCount = 0;
  server.on('connection', () => {
    connectionCount++;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const fake: FakeXksProxy = {
    connections: () => connectionCount,
    port: (server.address() as AddressInfo).port,
    requests,
    mode: { kind: 'normal' },
    modeScope: undefined,
    keys,
    accessKeyId: options.accessKeyId ?? FAKE_ACCESS_KEY_ID,
    secret: options.secret ?? FAKE_SECRET,
    uriPath: options.uriPath ?? '/kms/xks/v1',
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return fake;
}
