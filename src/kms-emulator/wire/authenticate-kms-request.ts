/**
 * SigV4 on the emulator's own endpoint (spec B7: signing name `kms`), through the project's verifier in
 * src/sigv4 (the one the proxy uses for `kms-xks-proxy`), with KMS's exceptions instead of the proxy's 401.
 *
 * - Always: the Authorization header must be a well-formed AWS4-HMAC-SHA256 header scoped to service `kms`
 *   (like other local emulators, any signer passes this by default).
 * - With configured credentials (`--credential`): the access key id must be one of them, the scope region the
 *   emulator's Region, X-Amz-Date within 5 minutes, and the signature must match over the received SignedHeaders
 *   and the raw body bytes.
 */
import {
  authenticateHeaders,
  collectHeaders,
  formatAmzDate,
  MAX_CLOCK_SKEW_MS,
  parseAmzDate,
  parseAuthorization,
  SigV4Error,
  verifyPayloadSignature,
} from '../../sigv4/index.js';
import type { EmulatorCredential } from '../context/kms-config.js';
import { kmsError, type KmsException } from './kms-exceptions.js';

/** spec B7: the SigV4 signing name of KMS. */
export const KMS_SIGV4_SERVICE = 'kms';

export interface KmsHttpRequest {
  readonly method: string;
  /** e.g. '/' (KMS has one path) */
  readonly path: string;
  /** Raw query without '?', '' when none. */
  readonly query: string;
  /** Node's req.rawHeaders. */
  readonly rawHeaders: readonly string[];
  /** The raw body bytes as received, before any JSON parsing. */
  readonly body: Uint8Array;
}

export interface KmsAuthPolicy {
  /** undefined: accept any well-formed signature for service `kms` (the default). */
  readonly credentials: readonly EmulatorCredential[] | undefined;
  /** The emulated Region; signatures must be scoped to it when credentials are configured. */
  readonly region: string;
  /** Injected clock, epoch ms. */
  readonly now: number;
}

// The messages real KMS gives (awsJson1_1 common errors, not in the API model and not in spec B8).
const MESSAGES = Object.freeze({
  missingToken: 'Missing Authentication Token',
  unknownKey: 'The security token included in the request is invalid.',
  mismatch:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
});

/**
 * Returns the credential that signed the request (undefined in the default mode), or throws the exception KMS
 * would: MissingAuthenticationTokenException, IncompleteSignatureException, UnrecognizedClientException or
 * InvalidSignatureException. The SigV4Error detail goes to `detail` (log only).
 */
export function authenticateKmsRequest(req: KmsHttpRequest, policy: KmsAuthPolicy): EmulatorCredential | undefined {
  try {
    const headers = collectHeaders(req.rawHeaders);
    const authorization = headers.get('authorization') ?? [];
    if (authorization.length === 0 || authorization[0] === '') throw kmsError.MissingAuthenticationTokenException(MESSAGES.missingToken);
    if (authorization.length > 1) throw new SigV4Error('malformed', `authorization header appears ${authorization.length} times`);
    const auth = parseAuthorization(authorization[0] ?? '');
    if (auth.service !== KMS_SIGV4_SERVICE) {
      throw kmsError.InvalidSignatureException(`Credential should be scoped to correct service: '${KMS_SIGV4_SERVICE}'.`, { detail: `scope service ${auth.service}` });
    }
    if (policy.credentials === undefined) return undefined;
    const credentials = policy.credentials;
    const pending = authenticateHeaders(
      { method: req.method, path: req.path, query: req.query, rawHeaders: req.rawHeaders },
      {
        service: KMS_SIGV4_SERVICE,
        acceptsRegion: (region) => region === policy.region,
        maxSkewMs: MAX_CLOCK_SKEW_MS,
        now: policy.now,
        secretFor: (id) => credentials.find((c) => c.accessKeyId === id)?.secretAccessKey,
      },
    );
    const { accessKeyId } = verifyPayloadSignature(pending, req.body);
    return credentials.find((c) => c.accessKeyId === accessKeyId);
  } catch (error) {
    throw error instanceof SigV4Error ? toKmsAuthException(error, req, policy) : error;
  }
}

/** Every SigV4 failure reason -> the exception real KMS answers with; the reason and detail stay in the log. */
function toKmsAuthException(error: SigV4Error, req: KmsHttpRequest, policy: KmsAuthPolicy): KmsException {
  const detail = `sigv4 ${error.reason}: ${error.detail}`;
  switch (error.reason) {
    case 'missing-header':
    case 'malformed':
      return kmsError.IncompleteSignatureException(
        'Authorization header requires Credential, SignedHeaders (including host and x-amz-date) and Signature, and a well-formed X-Amz-Date header.',
        { detail },
      );
    case 'unknown-access-key-id':
      return kmsError.UnrecognizedClientException(MESSAGES.unknownKey, { detail });
    case 'wrong-scope':
      return kmsError.InvalidSignatureException(`Credential should be scoped to a valid region ('${policy.region}') and to the X-Amz-Date day.`, { detail });
    case 'clock-skew':
      return kmsError.InvalidSignatureException(signatureExpiredMessage(collectHeaders(req.rawHeaders).get('x-amz-date')?.[0] ?? '', policy.now), { detail });
    case 'signature-mismatch':
      return kmsError.InvalidSignatureException(MESSAGES.mismatch, { detail });
  }
}

/** The wording of AWS's freshness errors, e.g. `Signature expired: 20240515T120000Z is now earlier than ...`. */
function signatureExpiredMessage(amzDate: string, now: number): string {
  const skewMin = MAX_CLOCK_SKEW_MS / 60_000;
  if (parseAmzDate(amzDate) < now) {
    return `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(now - MAX_CLOCK_SKEW_MS)} (${formatAmzDate(now)} - ${skewMin} min.)`;
  }
  return `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(now + MAX_CLOCK_SKEW_MS)} (${formatAmzDate(now)} + ${skewMin} min.)`;
}

/** The access key id of a request's Authorization header (call after authenticateKmsRequest accepted it). */
export function accessKeyIdOf(rawHeaders: readonly string[]): string | undefined {
  try {
    return parseAuthorization(collectHeaders(rawHeaders).get('authorization')?.[0] ?? '').accessKeyId;
  } catch {
    return undefined;
  }
}
