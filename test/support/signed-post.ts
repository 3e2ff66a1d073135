/**
 * A signed XKS POST over a real socket, signed by the independent `aws4` library: for e2e tests that drive real
 * `xks serve` processes, HAProxy in front of them, or an in-process listener.
 */
import { request as httpRequest, type Agent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { request as httpsRequest } from 'node:https';
import { TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET } from './test-app.js';
import { signXksHeaders } from './sign-xks.js';

export interface SignedPostOptions {
  readonly agent?: Agent | HttpsAgent;
  readonly secret?: string;
  readonly accessKeyId?: string;
  /** TLS: trust anchor and client certificate (PEM). */
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly timeoutMs?: number;
}

export interface SignedPostResult {
  readonly status: number;
  readonly body: string;
}

export function signedPost(baseUrl: string, path: string, body: unknown, options: SignedPostOptions = {}): Promise<SignedPostResult> {
  const url = new URL(baseUrl);
  const payload = JSON.stringify(body);
  const headers = signXksHeaders({ host: url.host, path, body: payload, region: TEST_REGION, accessKeyId: options.accessKeyId ?? TEST_ACCESS_KEY_ID, secret: options.secret ?? TEST_SECRET });
  const https = url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(payload)) },
        ...(options.agent !== undefined && { agent: options.agent }),
        ...(https && { ca: options.ca, cert: options.cert, key: options.key, servername: 'localhost' }),
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

export const requestMetadata = (kmsOperation: string, kmsRequestId = 'e2e-1') => ({
  awsPrincipalArn: 'arn:aws:iam::111122223333:user/e2e',
  kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/e2e',
  kmsOperation,
  kmsRequestId,
});

export const encryptBody = (kmsRequestId = 'e2e-1') => ({
  requestMetadata: requestMetadata('Encrypt', kmsRequestId),
  plaintext: Buffer.from('fleet test plaintext').toString('base64'),
  encryptionAlgorithm: 'AES_GCM',
});
