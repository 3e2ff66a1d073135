/**
 * Verification of incoming KMS requests when the emulator is started with credentials: recompute the SigV4
 * signature over the received SignedHeaders and raw body (with aws4, an independent implementation), compare in
 * constant time, and require a recent X-Amz-Date. Until the project's src/sigv4 lands on this branch.
 */
import aws4 from 'aws4';
import { timingSafeEqual } from 'node:crypto';
import type { EmulatorCredential } from '../kms-config.js';
import { kmsError } from '../kms-exceptions.js';
import type { SigV4Header } from './kms-protocol.js';

/** Same freshness rule as the proxy (spec A12): 5 minutes. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface IncomingRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

/** Returns the credential that signed the request, or throws the exception KMS would. */
export function verifyKmsSignature(auth: SigV4Header, req: IncomingRequest, credentials: readonly EmulatorCredential[], now: number): EmulatorCredential {
  const cred = credentials.find((c) => c.accessKeyId === auth.accessKeyId);
  if (cred === undefined) throw kmsError.UnrecognizedClientException('The security token included in the request is invalid.');
  if (!auth.signedHeaders.includes('host')) throw kmsError.InvalidSignatureException('The host header must be signed.');
  const amzDate = headerValue(req.headers['x-amz-date']);
  if (amzDate === undefined || !/^\d{8}T\d{6}Z$/.test(amzDate) || !auth.signedHeaders.includes('x-amz-date')) {
    throw kmsError.IncompleteSignatureException('X-Amz-Date must be present and signed.');
  }
  const when = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs(now - when) > MAX_CLOCK_SKEW_MS) throw kmsError.InvalidSignatureException('Signature expired: the request time is more than 5 minutes from the server time.');
  if (amzDate.slice(0, 8) !== auth.date) throw kmsError.InvalidSignatureException('The credential scope date does not match X-Amz-Date.');
  const headers: Record<string, string> = {};
  const include: Record<string, boolean> = {};
  for (const name of auth.signedHeaders) {
    const v = headerValue(req.headers[name]);
    if (v === undefined) throw kmsError.InvalidSignatureException(`Signed header ${name} is missing.`);
    headers[name] = v;
    include[name] = true;
  }
  const signer = new aws4.RequestSigner(
    { method: 'POST', host: headers['host'], path: req.path, headers, body: req.body.toString('utf8'), service: auth.service, region: auth.region, doNotModifyHeaders: true, extraHeadersToInclude: include } as aws4.Request,
    { accessKeyId: cred.accessKeyId, secretAccessKey: cred.secretAccessKey },
  );
  // With doNotModifyHeaders aws4 would use its own clock: pin the datetime to the received X-Amz-Date.
  signer.datetime = amzDate;
  const signed = signer.sign();
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers?.['Authorization'] ?? ''))?.[1] ?? '';
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(auth.signature, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw kmsError.InvalidSignatureException('The request signature we calculated does not match the signature you provided.');
  }
  return cred;
}
