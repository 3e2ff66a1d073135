/**
 * The four XKS APIs as KMS calls them (spec B11): request bodies with requestMetadata (A3), answers read into
 * ProxyResult values (never thrown). The transport is injected so tests can drive it without sockets.
 */
import { computeCdiv } from '../xks/cdiv.js';
import {
  checkFleetHealth,
  parseDecryptResponse,
  parseEncryptResponse,
  parseHealthStatusResponse,
  parseKeyMetadataResponse,
  readProxyAnswer,
  type EncryptResponse,
  type HealthStatusResponse,
  type KeyMetadataResponse,
  type ProxyResult,
} from './proxy-outcome.js';
import type { RequestMetadata } from '../xks/wire-types.js';
import { postToXksProxy, type XksEndpointTarget, type XksTransportOptions, type XksTransportResult } from './xks-transport.js';

export type XksTransport = (target: XksEndpointTarget, apiPath: string, body: string, options: XksTransportOptions) => Promise<XksTransportResult>;

/** spec A3: the metadata KMS sends; optional members are left out when absent. */
/** The wire type (spec A3), re-exported for the client's callers. The emulator never sends the VPC fields; `xks check` does. */
export type { RequestMetadata } from '../xks/wire-types.js';

export interface EncryptCall {
  readonly requestMetadata: RequestMetadata;
  readonly plaintext: Buffer;
  readonly additionalAuthenticatedData: Buffer;
  readonly requestCdiv: boolean;
}

export interface DecryptCall {
  readonly requestMetadata: RequestMetadata;
  readonly ciphertext: Buffer;
  readonly ciphertextMetadata: Buffer | undefined;
  readonly initializationVector: Buffer;
  readonly authenticationTag: Buffer;
  readonly additionalAuthenticatedData: Buffer;
}

export interface XksClient {
  getHealthStatus(target: XksEndpointTarget, requestMetadata: RequestMetadata): Promise<ProxyResult<HealthStatusResponse>>;
  getKeyMetadata(target: XksEndpointTarget, externalKeyId: string, requestMetadata: RequestMetadata): Promise<ProxyResult<KeyMetadataResponse>>;
  encrypt(target: XksEndpointTarget, externalKeyId: string, call: EncryptCall): Promise<ProxyResult<EncryptResponse>>;
  decrypt(target: XksEndpointTarget, externalKeyId: string, call: DecryptCall): Promise<ProxyResult<Buffer>>;
}

/** spec A5: the Encrypt body; absent optional parts are left out. */
export function buildEncryptBody(call: EncryptCall): Record<string, unknown> {
  const body: Record<string, unknown> = {
    requestMetadata: call.requestMetadata,
    plaintext: call.plaintext.toString('base64'),
    encryptionAlgorithm: 'AES_GCM',
  };
  if (call.additionalAuthenticatedData.length > 0) body['additionalAuthenticatedData'] = call.additionalAuthenticatedData.toString('base64');
  if (call.requestCdiv) body['ciphertextDataIntegrityValueAlgorithm'] = 'SHA_256';
  return body;
}

/** spec A6: the Decrypt body; absent optional parts are left out. */
export function buildDecryptBody(call: DecryptCall): Record<string, unknown> {
  const body: Record<string, unknown> = {
    requestMetadata: call.requestMetadata,
    ciphertext: call.ciphertext.toString('base64'),
    encryptionAlgorithm: 'AES_GCM',
    initializationVector: call.initializationVector.toString('base64'),
    authenticationTag: call.authenticationTag.toString('base64'),
  };
  if (call.ciphertextMetadata !== undefined && call.ciphertextMetadata.length > 0) body['ciphertextMetadata'] = call.ciphertextMetadata.toString('base64');
  if (call.additionalAuthenticatedData.length > 0) body['additionalAuthenticatedData'] = call.additionalAuthenticatedData.toString('base64');
  return body;
}

/** What KMS checks of a parsed Encrypt answer against its call: the ciphertext's length, and the CDIV when requested. */
export function verifyEncryptAnswer(call: EncryptCall, result: ProxyResult<EncryptResponse>): ProxyResult<EncryptResponse> {
  if (!result.ok) return result;
  const r = result.value;
  if (r.ciphertext.length !== call.plaintext.length) {
    return { ok: false, failure: { kind: 'malformed-response', detail: `ciphertext is ${r.ciphertext.length} bytes for ${call.plaintext.length} bytes of plaintext` } };
  }
  if (call.requestCdiv) {
    // spec A5: when requested the CDIV MUST be present; spec A9: KMS recomputes it and fails on mismatch.
    if (r.ciphertextDataIntegrityValue === undefined) return { ok: false, failure: { kind: 'malformed-response', detail: 'ciphertextDataIntegrityValue was requested but is missing' } };
    const expected = computeCdiv({
      aad: call.additionalAuthenticatedData,
      ...(r.ciphertextMetadata !== undefined && { metadata: r.ciphertextMetadata }),
      iv: r.initializationVector,
      ciphertext: r.ciphertext,
      tag: r.authenticationTag,
    });
    if (!Buffer.from(expected, 'base64').equals(r.ciphertextDataIntegrityValue)) return { ok: false, failure: { kind: 'cdiv-mismatch', detail: 'ciphertextDataIntegrityValue does not match SHA-256(AAD||metadata||IV||ciphertext||tag)' } };
  }
  return result;
}

/** What KMS checks of a parsed Decrypt answer against its call: the plaintext is as long as the ciphertext. */
export function verifyDecryptAnswer(call: DecryptCall, result: ProxyResult<Buffer>): ProxyResult<Buffer> {
  if (result.ok && result.value.length !== call.ciphertext.length) {
    return { ok: false, failure: { kind: 'malformed-response', detail: 'plaintext length differs from ciphertext length' } };
  }
  return result;
}

export function createXksClient(options: XksTransportOptions, transport: XksTransport = postToXksProxy): XksClient {
  const post = (target: XksEndpointTarget, apiPath: string, body: object): Promise<XksTransportResult> =>
    transport(target, apiPath, JSON.stringify(body), options);
  // Health probes diagnose the connection (clause B4/B6: TLS, reachability): each on a fresh connection, never a
  // kept-alive socket that would skip the TLS handshake the probe is meant to test.
  const probe = (target: XksEndpointTarget, apiPath: string, body: object): Promise<XksTransportResult> =>
    transport(target, apiPath, JSON.stringify(body), { ...options, pool: undefined });

  return {
    async getHealthStatus(target, requestMetadata) {
      const meta = { kmsRequestId: requestMetadata.kmsRequestId, kmsOperation: requestMetadata.kmsOperation };
      const result = readProxyAnswer(await probe(target, '/health', { requestMetadata: meta }), parseHealthStatusResponse);
      if (!result.ok) return result;
      const unhealthy = checkFleetHealth(result.value);
      return unhealthy === undefined ? result : { ok: false, failure: unhealthy };
    },

    async getKeyMetadata(target, externalKeyId, requestMetadata) {
      return readProxyAnswer(await post(target, `/keys/${encodeURIComponent(externalKeyId)}/metadata`, { requestMetadata }), parseKeyMetadataResponse);
    },

    async encrypt(target, externalKeyId, call) {
      return verifyEncryptAnswer(call, readProxyAnswer(await post(target, `/keys/${encodeURIComponent(externalKeyId)}/encrypt`, buildEncryptBody(call)), parseEncryptResponse));
    },

    async decrypt(target, externalKeyId, call) {
      return verifyDecryptAnswer(call, readProxyAnswer(await post(target, `/keys/${encodeURIComponent(externalKeyId)}/decrypt`, buildDecryptBody(call)), parseDecryptResponse));
    },
  };
}
