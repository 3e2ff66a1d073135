/**
 * What happened when the emulator called a proxy, as one closed union. The transport says which phase failed;
 * this module reads the HTTP answer (spec A10 error bodies, A4/A5/A6/A7 success bodies). The mapping from an
 * outcome to what KMS reports (ConnectionErrorCode, exception) is a pure table in proxy-outcome-mapping.ts.
 */
import { decodeBase64Strict } from '../crypto/base64.js';
import { XKS_ERROR_STATUS, type XksErrorName } from '../errors/xks-errors.js';
import { ACCEPTED_IV_BYTES, MAX_CIPHERTEXT_METADATA_BYTES, TAG_BYTES } from '../xks/limits.js';
import type { FailurePhase, XksTransportResult } from './xks-transport.js';

export type ProxyFailure =
  | { readonly kind: 'transport'; readonly phase: FailurePhase; readonly detail: string }
  /** An error answer: errorName as sent if it is one of A10's, else undefined (then the status decides). */
  | { readonly kind: 'error-response'; readonly status: number; readonly errorName: XksErrorName | undefined; readonly detail: string }
  | { readonly kind: 'malformed-response'; readonly detail: string }
  /** spec A7: every ekmFleetDetails entry UNAVAILABLE. */
  | { readonly kind: 'all-unavailable'; readonly detail: string }
  | { readonly kind: 'vpc-endpoint-service-not-found'; readonly detail: string }
  | { readonly kind: 'vpc-endpoint-service-invalid'; readonly detail: string }
  /** spec A9: the CDIV the proxy returned does not match the bytes it returned. */
  | { readonly kind: 'cdiv-mismatch'; readonly detail: string }
  /** A fault the operator injected, or an emulator bug: KMS's INTERNAL_ERROR. */
  | { readonly kind: 'internal'; readonly detail: string };

export type ProxyResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: ProxyFailure };

export type JsonRecord = Readonly<Record<string, unknown>>;

export function describeFailure(f: ProxyFailure): string {
  switch (f.kind) {
    case 'transport':
      return `${f.phase} failure: ${f.detail}`;
    case 'error-response':
      return `HTTP ${f.status} ${f.errorName ?? '(no recognised errorName)'}: ${f.detail}`;
    default:
      return `${f.kind}: ${f.detail}`;
  }
}

function isRecord(v: unknown): v is JsonRecord {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Turns a transport result into a JSON object (2xx) or a failure; `parse` checks the success body. */
export function readProxyAnswer<T>(result: XksTransportResult, parse: (body: JsonRecord) => T | string): ProxyResult<T> {
  if (result.kind === 'failure') return { ok: false, failure: { kind: 'transport', phase: result.phase, detail: result.detail } };
  let json: unknown;
  let jsonOk = true;
  try {
    json = JSON.parse(result.body);
  } catch {
    jsonOk = false;
  }
  if (result.status !== 200) {
    let errorName: XksErrorName | undefined;
    let message = '';
    if (jsonOk && isRecord(json) && typeof json['errorName'] === 'string' && Object.hasOwn(XKS_ERROR_STATUS, json['errorName'])) {
      errorName = json['errorName'] as XksErrorName;
      if (typeof json['errorMessage'] === 'string') message = json['errorMessage'].slice(0, 511);
    }
    return { ok: false, failure: { kind: 'error-response', status: result.status, errorName, detail: message || (jsonOk ? 'error body without a known errorName' : 'non-JSON error body') } };
  }
  if (!jsonOk || !isRecord(json)) return { ok: false, failure: { kind: 'malformed-response', detail: 'response body is not a JSON object' } };
  const parsed = parse(json);
  if (typeof parsed === 'string') return { ok: false, failure: { kind: 'malformed-response', detail: parsed } };
  return { ok: true, value: parsed };
}

// ---- GetHealthStatus (spec A7)

export type EkmHealthStatus = 'ACTIVE' | 'DEGRADED' | 'UNAVAILABLE';

export interface HealthStatusResponse {
  readonly xksProxyFleetSize: number;
  readonly xksProxyVendor: string;
  readonly xksProxyModel: string;
  readonly ekmVendor: string;
  readonly ekmFleetDetails: readonly { readonly id: string; readonly model: string; readonly healthStatus: EkmHealthStatus }[];
}

/** spec A7: ekmFleetDetails has 1..10 entries. */
export const MAX_EKM_FLEET_ENTRIES = 10;
const HEALTH_STATUSES = new Set(['ACTIVE', 'DEGRADED', 'UNAVAILABLE']);

export function parseHealthStatusResponse(body: JsonRecord): HealthStatusResponse | string {
  const size = body['xksProxyFleetSize'];
  if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) return 'xksProxyFleetSize must be an integer > 0';
  for (const f of ['xksProxyVendor', 'xksProxyModel', 'ekmVendor'] as const) {
    if (typeof body[f] !== 'string') return `${f} must be a string`;
  }
  const details = body['ekmFleetDetails'];
  if (!Array.isArray(details) || details.length < 1 || details.length > MAX_EKM_FLEET_ENTRIES) {
    return `ekmFleetDetails must have 1..${MAX_EKM_FLEET_ENTRIES} entries`;
  }
  const fleet: { id: string; model: string; healthStatus: EkmHealthStatus }[] = [];
  for (const d of details as unknown[]) {
    if (!isRecord(d) || typeof d['id'] !== 'string' || typeof d['model'] !== 'string' || typeof d['healthStatus'] !== 'string' || !HEALTH_STATUSES.has(d['healthStatus'])) {
      return 'each ekmFleetDetails entry needs id, model and healthStatus ACTIVE|DEGRADED|UNAVAILABLE';
    }
    fleet.push({ id: d['id'], model: d['model'], healthStatus: d['healthStatus'] as EkmHealthStatus });
  }
  return {
    xksProxyFleetSize: size,
    xksProxyVendor: body['xksProxyVendor'] as string,
    xksProxyModel: body['xksProxyModel'] as string,
    ekmVendor: body['ekmVendor'] as string,
    ekmFleetDetails: fleet,
  };
}

/** spec A7: all key managers UNAVAILABLE is a failure even though the proxy answered 200. */
export function checkFleetHealth(health: HealthStatusResponse): ProxyFailure | undefined {
  if (health.ekmFleetDetails.every((d) => d.healthStatus === 'UNAVAILABLE')) {
    return { kind: 'all-unavailable', detail: `all ${health.ekmFleetDetails.length} key managers report UNAVAILABLE` };
  }
  return undefined;
}

// ---- GetKeyMetadata (spec A4)

export interface KeyMetadataResponse {
  readonly keySpec: string;
  readonly keyUsage: readonly string[];
  readonly keyStatus: string;
}

/** spec A4: keyUsage has at most 10 entries. */
export const MAX_KEY_USAGE_ENTRIES = 10;

export function parseKeyMetadataResponse(body: JsonRecord): KeyMetadataResponse | string {
  const { keySpec, keyUsage, keyStatus } = body;
  if (typeof keySpec !== 'string') return 'keySpec must be a string';
  if (!Array.isArray(keyUsage) || keyUsage.length > MAX_KEY_USAGE_ENTRIES || !keyUsage.every((u) => typeof u === 'string')) {
    return `keyUsage must be an array of at most ${MAX_KEY_USAGE_ENTRIES} strings`;
  }
  if (typeof keyStatus !== 'string') return 'keyStatus must be a string';
  return { keySpec, keyUsage: keyUsage as string[], keyStatus };
}

// ---- Encrypt / Decrypt (spec A5, A6)

/** The proxy's answer fields are read as strictly as the proxy reads KMS's (standard, padded, canonical base64). */
function b64(body: JsonRecord, field: string, required: boolean): Buffer | undefined | string {
  const v = body[field];
  if (v === undefined || v === null) return required ? `${field} is missing` : undefined;
  const bytes = typeof v === 'string' ? decodeBase64Strict(v) : undefined;
  if (bytes === undefined) return `${field} is not standard base64`;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface EncryptResponse {
  readonly ciphertext: Buffer;
  readonly initializationVector: Buffer;
  readonly authenticationTag: Buffer;
  readonly ciphertextMetadata: Buffer | undefined;
  readonly ciphertextDataIntegrityValue: Buffer | undefined;
}

export function parseEncryptResponse(body: JsonRecord): EncryptResponse | string {
  const ciphertext = b64(body, 'ciphertext', true);
  const iv = b64(body, 'initializationVector', true);
  const tag = b64(body, 'authenticationTag', true);
  const meta = b64(body, 'ciphertextMetadata', false);
  const cdiv = b64(body, 'ciphertextDataIntegrityValue', false);
  for (const v of [ciphertext, iv, tag, meta, cdiv]) if (typeof v === 'string') return v;
  const c = ciphertext as Buffer;
  const i = iv as Buffer;
  const t = tag as Buffer;
  const m = meta as Buffer | undefined;
  // spec A5: IV 12 or 16 bytes, tag 16 bytes, ciphertextMetadata <= 20 bytes.
  if (!ACCEPTED_IV_BYTES.includes(i.length)) return `initializationVector must be 12 or 16 bytes, got ${i.length}`;
  if (t.length !== TAG_BYTES) return `authenticationTag must be ${TAG_BYTES} bytes, got ${t.length}`;
  if (m !== undefined && m.length > MAX_CIPHERTEXT_METADATA_BYTES) return `ciphertextMetadata must be <= ${MAX_CIPHERTEXT_METADATA_BYTES} bytes, got ${m.length}`;
  return { ciphertext: c, initializationVector: i, authenticationTag: t, ciphertextMetadata: m, ciphertextDataIntegrityValue: cdiv as Buffer | undefined };
}

export function parseDecryptResponse(body: JsonRecord): Buffer | string {
  const p = b64(body, 'plaintext', true);
  return p as Buffer | string;
}
