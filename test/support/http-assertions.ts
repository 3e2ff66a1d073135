/**
 * Assertions and request builders shared by the HTTP behaviour suite (test/http/*.test.ts).
 * The app fixture itself lives in test/support/test-app.ts.
 */
import assert from 'node:assert/strict';
import type { Response } from 'supertest';
import { XKS_ERROR_STATUS, type XksErrorName } from '../../src/errors/xks-errors.js';
import { b64, kmsMetadata, type TestApp } from './test-app.js';
import { pollUntil } from './poll-until.js';

export const API = '/kms/xks/v1';
export const HEALTH = `${API}/health`;
export const metadataPath = (keyId: string, prefix = ''): string => `${prefix}${API}/keys/${keyId}/metadata`;
export const encryptPath = (keyId: string, prefix = ''): string => `${prefix}${API}/keys/${keyId}/encrypt`;
export const decryptPath = (keyId: string, prefix = ''): string => `${prefix}${API}/keys/${keyId}/decrypt`;

/** spec A1 / A10: exactly `application/json`, no charset or other parameter. */
export function assertJsonContentType(res: Response): void {
  assert.equal(res.headers['content-type'], 'application/json');
}

/** spec A10: status, errorName, exactly {errorName, errorMessage}, errorMessage printable ASCII < 512 chars. */
export function assertXksError(res: Response, status: number, errorName: XksErrorName): void {
  assert.equal(res.status, status, `status; body ${res.text.slice(0, 300)}`);
  assertJsonContentType(res);
  assert.equal(XKS_ERROR_STATUS[errorName], status, 'the expected pair must itself be a spec A10 row');
  const body: unknown = JSON.parse(res.text);
  assert.ok(typeof body === 'object' && body !== null && !Array.isArray(body), 'body is a JSON object');
  assert.deepEqual(Object.keys(body).sort(), ['errorMessage', 'errorName']);
  const { errorName: name, errorMessage } = body as Record<string, unknown>;
  assert.equal(name, errorName);
  assert.equal(typeof errorMessage, 'string');
  assertPrintableMessage(errorMessage as string);
}

export function assertPrintableMessage(message: string): void {
  assert.ok(message.length < 512, `errorMessage is ${message.length} chars`);
  assert.match(message, /^[\x20-\x7e]*$/, 'errorMessage is printable ASCII');
}

/** A 200 JSON response; returns the parsed body. */
export function assertOk(res: Response): Record<string, unknown> {
  assert.equal(res.status, 200, `status; body ${res.text.slice(0, 300)}`);
  assertJsonContentType(res);
  return JSON.parse(res.text) as Record<string, unknown>;
}

export function encryptBody(plaintext: Uint8Array | string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { requestMetadata: kmsMetadata('Encrypt'), plaintext: b64(plaintext), encryptionAlgorithm: 'AES_GCM', ...extra };
}

export interface EncryptOutput {
  readonly ciphertext: string;
  readonly ciphertextMetadata?: string;
  readonly initializationVector: string;
  readonly authenticationTag: string;
  readonly ciphertextDataIntegrityValue?: string;
}

export function decryptBody(parts: EncryptOutput, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    requestMetadata: kmsMetadata('Decrypt'),
    encryptionAlgorithm: 'AES_GCM',
    ciphertext: parts.ciphertext,
    initializationVector: parts.initializationVector,
    authenticationTag: parts.authenticationTag,
    ...(parts.ciphertextMetadata !== undefined && { ciphertextMetadata: parts.ciphertextMetadata }),
    ...extra,
  };
}

export const fromB64 = (s: unknown): Buffer => {
  assert.equal(typeof s, 'string');
  return Buffer.from(s as string, 'base64');
};

/** Flip one bit of a base64 value (at byte `index`). */
export function flipB64(s: string, index = 0): string {
  const bytes = Buffer.from(s, 'base64');
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

/**
 * The request log line is written when the response closes, which can come a tick after the client has the
 * response: wait (bounded) until `count` lines exist.
 */
export async function waitForLogs(t: TestApp, count: number, timeoutMs = 30_000): Promise<Record<string, unknown>[]> {
  await pollUntil(`${count} log lines`, () => t.logs.length >= count, { timeoutMs, intervalMs: 2, describe: () => `${t.logs.length} lines` });
  return t.logs;
}
