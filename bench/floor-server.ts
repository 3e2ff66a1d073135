/**
 * The floor for `npm run bench`: a bare node:http server doing the same work per request as the proxy, with
 * node:crypto directly and nothing else (no framework, no log, no validation beyond what the work needs):
 * read the body, JSON.parse, SigV4 verify (canonical request over the signed headers, cached signing key, constant
 * time compare), then per operation: AES-256-GCM encrypt + CDIV + check-decrypt (Encrypt), decrypt (Decrypt), a
 * fixed answer (GetKeyMetadata, GetHealthStatus); JSON response. It is the cost of the work, to compare the proxy
 * with (issue 10's efficiency ratio). Not a server to deploy: it trusts its input.
 *
 *   node --import tsx bench/floor-server.ts <port-file> <accessKeyId> <secret> <key hex>
 * Listens on 127.0.0.1:0 and writes its port to <port-file>.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const [portFile, accessKeyId, secret, keyHex] = process.argv.slice(2);
if (portFile === undefined || accessKeyId === undefined || secret === undefined || keyHex === undefined) {
  throw new Error('usage: floor-server.ts <port-file> <accessKeyId> <secret> <key hex>');
}
const key = Buffer.from(keyHex, 'hex');
const signingKeys = new Map<string, Buffer>();
const METADATA = JSON.stringify({ keySpec: 'AES_256', keyUsage: ['ENCRYPT', 'DECRYPT'], keyStatus: 'ENABLED' });
const HEALTH = JSON.stringify({
  xksProxyFleetSize: 1,
  xksProxyVendor: 'floor',
  xksProxyModel: 'floor',
  ekmVendor: 'floor',
  ekmFleetDetails: [{ id: 'floor', model: 'floor', healthStatus: 'ACTIVE' }],
});
const CIPHERTEXT_METADATA = Buffer.from([1, 0, 0, 0, 1]);

function hmac(k: Buffer | string, data: string): Buffer {
  return createHmac('sha256', k).update(data).digest();
}

function signingKey(date: string, region: string, service: string): Buffer {
  const id = `${date}/${region}/${service}`;
  let k = signingKeys.get(id);
  if (k === undefined) {
    k = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
    signingKeys.set(id, k);
  }
  return k;
}

function verify(req: IncomingMessage, body: Buffer): boolean {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
    req.headers.authorization ?? '',
  );
  if (m === null || m[1] !== accessKeyId) return false;
  const [, , date = '', region = '', service = '', signedList = '', signature = ''] = m;
  const signed = signedList.split(';');
  let headers = '';
  for (const name of signed) headers += `${name}:${String(req.headers[name] ?? '').trim()}\n`;
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const canonical = `${req.method}\n${req.url}\n\n${headers}\n${signedList}\n${payloadHash}`;
  const amzDate = String(req.headers['x-amz-date']);
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const expected = createHmac('sha256', signingKey(date, region, service)).update(stringToSign).digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

function gcmAad(aad: Buffer, meta: Buffer): Buffer {
  const out = Buffer.allocUnsafe(3 + aad.length + meta.length);
  out.writeUInt16BE(aad.length, 0);
  aad.copy(out, 2);
  out[2 + aad.length] = meta.length;
  meta.copy(out, 3 + aad.length);
  return out;
}

function encrypt(request: Record<string, string>): string {
  const plaintext = Buffer.from(request.plaintext ?? '', 'base64');
  const aad = Buffer.from(request.additionalAuthenticatedData ?? '', 'base64');
  const framed = gcmAad(aad, CIPHERTEXT_METADATA);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(framed);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  const cdiv = createHash('sha256').update(aad).update(CIPHERTEXT_METADATA).update(iv).update(ciphertext).update(tag).digest('base64');
  const check = createDecipheriv('aes-256-gcm', key, iv).setAAD(framed).setAuthTag(tag);
  const back = Buffer.concat([check.update(ciphertext), check.final()]);
  if (!back.equals(plaintext)) throw new Error('check-decrypt failed');
  return JSON.stringify({
    ciphertext: ciphertext.toString('base64'),
    ciphertextMetadata: CIPHERTEXT_METADATA.toString('base64'),
    initializationVector: iv.toString('base64'),
    authenticationTag: tag.toString('base64'),
    ciphertextDataIntegrityValue: cdiv,
  });
}

function decrypt(request: Record<string, string>): string {
  const aad = Buffer.from(request.additionalAuthenticatedData ?? '', 'base64');
  const meta = Buffer.from(request.ciphertextMetadata ?? '', 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(request.initializationVector ?? '', 'base64'))
    .setAAD(gcmAad(aad, meta))
    .setAuthTag(Buffer.from(request.authenticationTag ?? '', 'base64'));
  const plaintext = Buffer.concat([decipher.update(Buffer.from(request.ciphertext ?? '', 'base64')), decipher.final()]);
  return JSON.stringify({ plaintext: plaintext.toString('base64') });
}

function answer(res: ServerResponse, status: number, json: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (!verify(req, body)) return answer(res, 401, '{"errorName":"AuthenticationFailedException"}');
    const request = JSON.parse(body.toString('utf8')) as Record<string, string>;
    const url = req.url ?? '';
    try {
      if (url.endsWith('/encrypt')) return answer(res, 200, encrypt(request));
      if (url.endsWith('/decrypt')) return answer(res, 200, decrypt(request));
      if (url.endsWith('/metadata')) return answer(res, 200, METADATA);
      return answer(res, 200, HEALTH);
    } catch {
      return answer(res, 400, '{"errorName":"InvalidCiphertextException"}');
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => writeFileSync(portFile, String((server.address() as AddressInfo).port)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
