import { buildCanonicalRequestPrefix } from './canonical-request.js';
import { collectHeaders, type HeaderValues } from './collect-headers.js';
import { SIGV4_TERMINATOR } from './constants.js';
import { buildCredentialScope } from './credential-scope.js';
import { parseAmzDate } from './amz-date.js';
import { parseAuthorization, type ParsedAuthorization } from './parse-authorization.js';
import { deriveSigningKey } from './signing-key.js';
import type { SigningKeyCache } from './signing-key-cache.js';
import { SigV4Error, describeValue } from './sigv4-error.js';
import { PendingSigV4Auth, type PendingAuth } from './verify-payload-signature.js';

export interface SigV4HeadersInput {
  /** e.g. 'POST' */
  readonly method: string;
  /** Raw path as received, without the query, e.g. '/kms/xks/v1/health'. */
  readonly path: string;
  /** Raw query string without '?', '' when none. */
  readonly query: string;
  /** Node's req.rawHeaders: [name, value, name, value, ...] exactly as received. */
  readonly rawHeaders: readonly string[];
}

export interface SigV4Policy {
  /** spec A12: 'kms-xks-proxy'. */
  readonly service: string;
  acceptsRegion(region: string): boolean;
  /** spec A12: 5 * 60_000 (MAX_CLOCK_SKEW_MS). */
  readonly maxSkewMs: number;
  /** Injected clock, epoch ms. */
  readonly now: number;
  /** spec A12: an access key id maps to exactly one secret. */
  secretFor(accessKeyId: string): string | undefined;
  /** Optional: reuse derived signing keys across requests (see createSigningKeyCache). */
  readonly signingKeyCache?: SigningKeyCache;
}

/**
 * Phase 1 of spec A12, before the body is read: parse the Authorization header, check the required headers,
 * the credential scope, the access key id and the clock skew, and derive the signing key. Throws SigV4Error.
 */
export function authenticateHeaders(input: SigV4HeadersInput, policy: SigV4Policy): PendingAuth {
  const headers = collectHeaders(input.rawHeaders);
  const authorization = singleHeader(headers, 'authorization');
  const amzDate = singleHeader(headers, 'x-amz-date');
  singleHeader(headers, 'host');

  const auth = parseAuthorization(authorization);
  const requestTime = parseAmzDate(amzDate);
  const signed = selectSignedHeaders(headers, auth.signedHeaders);
  // Everything but the payload hash, built now: a malformed query fails before the body is read, and phase 2 only
  // appends the body's hash.
  const canonicalPrefix = buildCanonicalRequestPrefix({ method: input.method, path: input.path, query: input.query, headers: signed, signedHeaders: auth.signedHeaders });

  verifyCredentialScope(auth, amzDate, policy);
  const secret = policy.secretFor(auth.accessKeyId);
  if (secret === undefined) {
    throw new SigV4Error('unknown-access-key-id', `access key id ${describeValue(auth.accessKeyId)} is not configured`);
  }
  verifyFreshness(requestTime, amzDate, policy);

  const signingKey =
    policy.signingKeyCache?.getOrDerive(auth.accessKeyId, secret, auth.date, auth.region, auth.service) ??
    deriveSigningKey(secret, auth.date, auth.region, auth.service);
  return new PendingSigV4Auth({
    accessKeyId: auth.accessKeyId,
    region: auth.region,
    amzDate,
    canonicalPrefix,
    signedHeaders: auth.signedHeaders,
    credentialScope: buildCredentialScope(auth.date, auth.region, auth.service),
    signingKey,
    signature: auth.signature,
  });
}

/** The one value of a header that must appear exactly once (spec A12 headers; a duplicate is ambiguous). */
function singleHeader(headers: HeaderValues, name: string): string {
  const values = headers.get(name);
  if (values === undefined) throw new SigV4Error('missing-header', `${name} header is missing`);
  if (values.length !== 1 || values[0] === undefined) {
    throw new SigV4Error('malformed', `${name} header appears ${values.length} times; expected once`);
  }
  return values[0];
}

/** Only the headers the client signed, each of which must be present (spec A12: verify what SignedHeaders lists). */
function selectSignedHeaders(headers: HeaderValues, signedHeaders: readonly string[]): HeaderValues {
  const signed = new Map<string, readonly string[]>();
  for (const name of signedHeaders) {
    const values = headers.get(name);
    if (values === undefined) throw new SigV4Error('missing-header', `signed header ${describeValue(name)} is not in the request`);
    signed.set(name, values);
  }
  return signed;
}

/** spec A12 (Scope): `<X-Amz-Date day>/<accepted region>/kms-xks-proxy/aws4_request`. */
function verifyCredentialScope(auth: ParsedAuthorization, amzDate: string, policy: SigV4Policy): void {
  if (auth.service !== policy.service) {
    throw new SigV4Error('wrong-scope', `scope service ${describeValue(auth.service)} is not ${policy.service}`);
  }
  if (!policy.acceptsRegion(auth.region)) {
    throw new SigV4Error('wrong-scope', `scope region ${describeValue(auth.region)} is not accepted`);
  }
  if (auth.date !== amzDate.slice(0, 8)) {
    throw new SigV4Error('wrong-scope', `scope date ${auth.date} is not the X-Amz-Date day ${amzDate.slice(0, 8)}`);
  }
  if (auth.terminator !== SIGV4_TERMINATOR) {
    throw new SigV4Error('wrong-scope', `scope terminator ${describeValue(auth.terminator)} is not ${SIGV4_TERMINATOR}`);
  }
}

/** spec A12 (Freshness): more than maxSkewMs (5 min) in the past or future fails; exactly 5 min passes. */
function verifyFreshness(requestTime: number, amzDate: string, policy: SigV4Policy): void {
  const skew = requestTime - policy.now;
  if (Math.abs(skew) > policy.maxSkewMs) {
    const direction = skew > 0 ? 'ahead of' : 'behind';
    throw new SigV4Error(
      'clock-skew',
      `X-Amz-Date ${amzDate} is ${Math.abs(skew) / 1000} s ${direction} the server clock (limit ${policy.maxSkewMs / 1000} s)`,
      {
        requestTime: new Date(requestTime).toISOString(),
        proxyTime: new Date(policy.now).toISOString(),
        skewSeconds: skew / 1000,
        limitSeconds: policy.maxSkewMs / 1000,
      },
    );
  }
}
