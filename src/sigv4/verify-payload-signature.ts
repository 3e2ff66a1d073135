import { timingSafeEqual } from 'node:crypto';
import { hashPayload } from './hash-payload.js';
import { computeSignature } from './signature.js';
import { SigV4Error } from './sigv4-error.js';
import { buildStringToSign } from './string-to-sign.js';

/** What phase 1 learned from the headers; carries (privately) what phase 2 needs. */
export interface PendingAuth {
  readonly accessKeyId: string;
  readonly region: string;
  readonly amzDate: string;
  readonly signedHeaders: readonly string[];
}

/** A request whose signature verified. */
export interface AuthResult {
  readonly accessKeyId: string;
  readonly region: string;
  readonly amzDate: string;
}

/**
 * The object authenticateHeaders returns. The signing key, the received signature and the canonical
 * request parts are ES private fields, so logging or serialising a PendingAuth shows none of them.
 */
export class PendingSigV4Auth implements PendingAuth {
  readonly accessKeyId: string;
  readonly region: string;
  readonly amzDate: string;
  readonly signedHeaders: readonly string[];
  /** The canonical request up to its last line (buildCanonicalRequestPrefix); the payload hash completes it. */
  readonly #canonicalPrefix: string;
  readonly #credentialScope: string;
  readonly #signingKey: Uint8Array;
  readonly #signature: string;

  constructor(fields: {
    accessKeyId: string;
    region: string;
    amzDate: string;
    canonicalPrefix: string;
    signedHeaders: readonly string[];
    credentialScope: string;
    signingKey: Uint8Array;
    signature: string;
  }) {
    this.accessKeyId = fields.accessKeyId;
    this.region = fields.region;
    this.amzDate = fields.amzDate;
    this.signedHeaders = fields.signedHeaders;
    this.#canonicalPrefix = fields.canonicalPrefix;
    this.#credentialScope = fields.credentialScope;
    this.#signingKey = fields.signingKey;
    this.#signature = fields.signature;
  }

  /** See verifyPayloadSignature. */
  verifyPayload(body: Uint8Array): AuthResult {
    // spec A12: the canonical request ends with the SHA-256 of the exact body bytes, before any JSON parsing.
    const canonicalRequest = this.#canonicalPrefix + hashPayload(body);
    const stringToSign = buildStringToSign(this.amzDate, this.#credentialScope, canonicalRequest);
    const expected = Buffer.from(computeSignature(this.#signingKey, stringToSign), 'hex');
    const received = Buffer.from(this.#signature, 'hex');
    // Constant-time compare; both are 32 bytes (parseAuthorization admits only 64 hex chars).
    if (expected.length !== received.length || !timingSafeEqual(expected, received)) {
      throw new SigV4Error(
        'signature-mismatch',
        `signature does not match; canonical request sha256 ${hashPayload(canonicalRequest)}, ` +
          `scope ${this.#credentialScope}, SignedHeaders ${this.signedHeaders.join(';')}, body ${body.byteLength} bytes`,
        // What the proxy computed, for `xks explain`: never the secret, the signing key or either signature.
        { canonicalRequest, stringToSign, credentialScope: this.#credentialScope, signedHeaders: this.signedHeaders.join(';'), bodyBytes: body.byteLength },
      );
    }
    return { accessKeyId: this.accessKeyId, region: this.region, amzDate: this.amzDate };
  }
}

/**
 * Phase 2 (spec A12): hash the raw body, rebuild the canonical request over the RECEIVED SignedHeaders,
 * recompute the signature and compare it in constant time. Throws SigV4Error('signature-mismatch').
 * `pending` must come from authenticateHeaders.
 */
export function verifyPayloadSignature(pending: PendingAuth, body: Uint8Array): AuthResult {
  if (!(pending instanceof PendingSigV4Auth)) {
    throw new TypeError('verifyPayloadSignature: pending must be the value returned by authenticateHeaders');
  }
  return pending.verifyPayload(body);
}
