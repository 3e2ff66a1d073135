import { formatAmzDate } from './amz-date.js';
import { buildCanonicalRequest } from './canonical-request.js';
import { SIGV4_ALGORITHM } from './constants.js';
import { buildCredentialScope } from './credential-scope.js';
import { hashPayload } from './hash-payload.js';
import { computeSignature } from './signature.js';
import { deriveSigningKey } from './signing-key.js';
import type { SigningKeyCache } from './signing-key-cache.js';
import { buildStringToSign } from './string-to-sign.js';

export interface SignRequestInput {
  readonly method: string;
  /** Host header value to sign (used only when `headers` has no host), e.g. 'xks.example.com'. */
  readonly host: string;
  /** Path as it will be sent, e.g. '/kms/xks/v1/health'. */
  readonly path: string;
  /** Raw query without '?'. */
  readonly query?: string;
  /** Headers the request will carry; names any case. Must not contain x-amz-date or authorization. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: Uint8Array | string;
  readonly region: string;
  readonly service: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Injected clock, epoch ms. */
  readonly now: number;
  /** Extra header names (present in `headers`) to sign besides host and x-amz-date. */
  readonly signHeaders?: readonly string[];
  readonly signingKeyCache?: SigningKeyCache;
}

const SET_BY_SIGNER = ['x-amz-date', 'authorization'];

/**
 * Sign a request the way KMS does (spec A12). Returns the headers to add, lowercase: `host` (when `headers`
 * has none), `x-amz-date`, `authorization`. SignedHeaders = host;x-amz-date plus `signHeaders`, sorted.
 */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const given = lowercaseHeaders(input.headers ?? {});
  for (const name of SET_BY_SIGNER) {
    if (given.has(name)) throw new TypeError(`signRequest: headers must not contain ${name}; signRequest sets it`);
  }
  const amzDate = formatAmzDate(input.now);
  const date = amzDate.slice(0, 8);
  const host = given.get('host') ?? input.host;
  const all = new Map<string, string>([...given, ['host', host], ['x-amz-date', amzDate]]);

  const signedHeaders = [...new Set(['host', 'x-amz-date', ...(input.signHeaders ?? []).map((n) => n.toLowerCase())])].sort();
  const headers = new Map<string, readonly string[]>();
  for (const name of signedHeaders) {
    const value = all.get(name);
    if (value === undefined) throw new TypeError(`signRequest: signHeaders names ${JSON.stringify(name)}, which is not in headers`);
    headers.set(name, [value]);
  }

  const canonicalRequest = buildCanonicalRequest({
    method: input.method,
    path: input.path,
    query: input.query ?? '',
    headers,
    signedHeaders,
    payloadHash: hashPayload(input.body),
  });
  const credentialScope = buildCredentialScope(date, input.region, input.service);
  const signingKey =
    input.signingKeyCache?.getOrDerive(input.accessKeyId, input.secretAccessKey, date, input.region, input.service) ??
    deriveSigningKey(input.secretAccessKey, date, input.region, input.service);
  const signature = computeSignature(signingKey, buildStringToSign(amzDate, credentialScope, canonicalRequest));

  const out: Record<string, string> = {};
  if (!given.has('host')) out['host'] = host;
  out['x-amz-date'] = amzDate;
  out['authorization'] =
    `${SIGV4_ALGORITHM} Credential=${input.accessKeyId}/${credentialScope}, ` +
    `SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  return out;
}

function lowercaseHeaders(headers: Readonly<Record<string, string>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (out.has(lower)) throw new TypeError(`signRequest: header ${JSON.stringify(lower)} given twice (names differ only in case)`);
    out.set(lower, value);
  }
  return out;
}
