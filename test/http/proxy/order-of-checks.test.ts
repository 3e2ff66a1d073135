/**
 * The documented order of checks (src/proxy/http/create-app.ts, docs/api.md "Order of checks"):
 *   path -> method -> authentication (headers) -> body size -> signature -> content-type/JSON/body
 *   -> key existence -> key state -> key usage (for Encrypt with a CDIV: DECRYPT too) -> crypto
 * Row i builds a Decrypt request that fails at stage i AND at every later stage, so only the order can make the
 * expected error win. A control row with no fault proves each fault is what makes the request fail.
 */
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { test } from 'node:test';
import type { XksErrorName } from '../../../src/errors/xks-errors.js';
import { createTestApp, DEFAULT_TEST_KEYS, kmsMetadata, signedRequest, testKey, testMaterial, type SignOptions } from '../../support/test-app.js';
import { assertOk, assertXksError, decryptPath, encryptBody, encryptPath, flipB64, HEALTH, waitForLogs } from '../../support/http-assertions.js';

const STAGES = ['path', 'method', 'auth', 'size', 'signature', 'body', 'key', 'state', 'usage', 'crypto'] as const;
type Stage = (typeof STAGES)[number];

const KEYS = [
  ...DEFAULT_TEST_KEYS,
  testKey('key-disabled-no-usage', { status: 'DISABLED', usage: [] }),
  testKey('key-disabled-encrypt-only', { status: 'DISABLED', usage: ['ENCRYPT'] }),
];

/** Which key a request names, given the key-related faults it must carry. */
function keyFor(faults: ReadonlySet<Stage>): string {
  if (faults.has('key')) return 'no-such-key';
  if (faults.has('state') && faults.has('usage')) return 'key-disabled-no-usage';
  if (faults.has('state')) return 'key-disabled';
  if (faults.has('usage')) return 'key-encrypt-only';
  return 'key-1';
}

/** A Decrypt body that is authentic for `keyId` (its v1 material), unless the crypto fault is on. */
function decryptRequestBody(keyId: string, faults: ReadonlySet<Stage>): Record<string, unknown> {
  const iv = Buffer.alloc(12, 7);
  const meta = Buffer.from([1, 0, 0, 0, 1]);
  const cipher = createCipheriv('aes-256-gcm', testMaterial(`${keyId}/v1`), iv);
  cipher.setAAD(Buffer.concat([Buffer.from([0, 0, meta.length]), meta]));
  const ciphertext = Buffer.concat([cipher.update('order of checks'), cipher.final()]);
  const tag = cipher.getAuthTag().toString('base64');
  return {
    requestMetadata: kmsMetadata('Decrypt'),
    encryptionAlgorithm: 'AES_GCM',
    ciphertext: ciphertext.toString('base64'),
    ciphertextMetadata: meta.toString('base64'),
    // body fault: an 11-byte IV (spec A6: 12 or 16)
    initializationVector: faults.has('body') ? Buffer.alloc(11).toString('base64') : iv.toString('base64'),
    // crypto fault: a flipped tag bit
    authenticationTag: faults.has('crypto') ? flipB64(tag, 0) : tag,
    // size fault: an ignored field that takes the body past 256 KiB
    ...(faults.has('size') && { padding: 'p'.repeat(300 * 1024) }),
  };
}

function send(t: ReturnType<typeof createTestApp>, faults: ReadonlySet<Stage>) {
  const keyId = keyFor(faults);
  const path = faults.has('path') ? decryptPath(keyId, '/no-such-prefix') : decryptPath(keyId);
  const options: SignOptions = {
    ...(faults.has('method') && { method: 'GET' }),
    // auth fault: detectable from the headers alone (the access key id is not configured)
    ...(faults.has('auth') && { accessKeyId: 'AKIAUNKNOWNUNKNOWN22' }),
    // signature fault: only detectable with the body (wrong secret for a known access key id)
    ...(faults.has('signature') && { secret: 'WRONGWRONGWRONGWRONGWRONGWRONGWRONGWRONGWRO' }),
  };
  return signedRequest(t.app, path, decryptRequestBody(keyId, faults), options);
}

const EXPECTED: Readonly<Record<Stage, readonly [number, XksErrorName | 'MethodNotAllowed']>> = {
  path: [404, 'InvalidUriPathException'],
  method: [405, 'MethodNotAllowed'],
  auth: [401, 'AuthenticationFailedException'],
  size: [501, 'UnsupportedOperationException'],
  signature: [401, 'AuthenticationFailedException'],
  body: [400, 'ValidationException'],
  key: [404, 'KeyNotFoundException'],
  state: [400, 'InvalidStateException'],
  usage: [400, 'InvalidKeyUsageException'],
  crypto: [400, 'InvalidCiphertextException'],
};

test('order of checks: no fault -> 200 (control row)', async () => {
  const t = createTestApp({ keys: KEYS });
  assertOk(await send(t, new Set()));
});

STAGES.forEach((stage, i) => {
  const faults = new Set(STAGES.slice(i));
  const [status, errorName] = EXPECTED[stage];
  test(`order of checks: ${[...faults].join(' + ')} -> ${status} ${errorName}`, async () => {
    const t = createTestApp({ keys: KEYS });
    const res = await send(t, faults);
    if (errorName === 'MethodNotAllowed') {
      assert.equal(res.status, 405, res.text.slice(0, 200));
      assert.equal(res.headers.allow, 'POST');
      return;
    }
    assertXksError(res, status, errorName);
    // Where the SigV4 stage decides, the log says which of the two SigV4 checks failed.
    if (stage === 'auth' || stage === 'signature') {
      const reason = String((await waitForLogs(t, 1)).at(-1)?.reason);
      assert.match(reason, stage === 'auth' ? /unknown-access-key-id/ : /signature-mismatch/);
    }
  });
});

// Each fault alone, so every fault used above is proven to be detected on its own.
for (const stage of STAGES) {
  const [status, errorName] = EXPECTED[stage];
  test(`order of checks: only ${stage} fault -> ${status} ${errorName}`, async () => {
    const t = createTestApp({ keys: KEYS });
    const res = await send(t, new Set([stage]));
    if (errorName === 'MethodNotAllowed') assert.equal(res.status, 405);
    else assertXksError(res, status, errorName);
  });
}

// The content-type and JSON checks belong to the body stage: they beat every later fault too.
const bodyVariants: readonly [string, (t: ReturnType<typeof createTestApp>) => ReturnType<typeof signedRequest>][] = [
  ['Content-Type text/plain + unknown key + bad tag', (t) => signedRequest(t.app, decryptPath('no-such-key'), decryptRequestBody('no-such-key', new Set(['crypto'])), { contentType: 'text/plain' })],
  ['no Content-Type + disabled key', (t) => signedRequest(t.app, decryptPath('key-disabled'), decryptRequestBody('key-disabled', new Set()), { contentType: null })],
  ['non-JSON body + unknown key', (t) => signedRequest(t.app, decryptPath('no-such-key'), '{"requestMetadata":')],
  [
    'invalid UTF-8 body + unknown key',
    // superagent JSON-encodes a Buffer sent as application/json; serialize() keeps the raw bytes that were signed.
    (t) => signedRequest(t.app, decryptPath('no-such-key'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d])).serialize((b: string) => b),
  ],
  ['JSON array body + usage-less key', (t) => signedRequest(t.app, decryptPath('key-no-usage'), '[]')],
];
for (const [condition, build] of bodyVariants) {
  test(`order of checks: ${condition} -> 400 ValidationException`, async () => {
    const t = createTestApp({ keys: KEYS });
    assertXksError(await build(t), 400, 'ValidationException');
  });
}

test('order of checks: metadata on a DISABLED, usage-less key -> 200 (no state or usage check for GetKeyMetadata)', async () => {
  const t = createTestApp({ keys: KEYS });
  const { kmsKeyArn: _unused, ...requestMetadata } = kmsMetadata('CreateKey');
  const body = assertOk(await signedRequest(t.app, '/kms/xks/v1/keys/key-disabled-no-usage/metadata', { requestMetadata }));
  assert.deepEqual(body, { keySpec: 'AES_256', keyUsage: [], keyStatus: 'DISABLED' });
});

// spec A9: a CDIV on a key without DECRYPT is part of the key-usage stage: after the body and the key state.
const CDIV = { ciphertextDataIntegrityValueAlgorithm: 'SHA_256' };
for (const [condition, keyId, body, status, errorName] of [
  ['encrypt CDIV on an ENCRYPT-only key', 'key-encrypt-only', encryptBody('x', CDIV), 400, 'InvalidKeyUsageException'],
  ['encrypt CDIV on a DISABLED ENCRYPT-only key (state first)', 'key-disabled-encrypt-only', encryptBody('x', CDIV), 400, 'InvalidStateException'],
  ['encrypt CDIV on an unknown key (key first)', 'no-such-key', encryptBody('x', CDIV), 404, 'KeyNotFoundException'],
  ['encrypt CDIV on an ENCRYPT-only key + bad encryptionAlgorithm (body first)', 'key-encrypt-only', encryptBody('x', { ...CDIV, encryptionAlgorithm: 'AES_CBC' }), 400, 'ValidationException'],
] as const) {
  test(`order of checks: ${condition} -> ${status} ${errorName}`, async () => {
    const t = createTestApp({ keys: KEYS });
    assertXksError(await signedRequest(t.app, encryptPath(keyId), body), status, errorName);
  });
}

// spec A7 / A10 note: health's metadata validation is the body stage, after authentication and the kill switch.
for (const [condition, options, store, status, errorName] of [
  ['health requestMetadata {} + unknown access key id', { accessKeyId: 'AKIAUNKNOWNUNKNOWN22' }, {}, 401, 'AuthenticationFailedException'],
  ['health requestMetadata {} + wrong secret', { secret: 'WRONGWRONGWRONGWRONGWRONGWRONGWRONGWRONGWRO' }, {}, 401, 'AuthenticationFailedException'],
  ['health requestMetadata {} + blocked key store', {}, { blocked: { by: 'ops', at: '2026-11-28T00:00:00Z' } }, 400, 'InvalidStateException'],
  ['health requestMetadata {}', {}, {}, 400, 'ValidationException'],
] as const) {
  test(`order of checks: ${condition} -> ${status} ${errorName}`, async () => {
    const t = createTestApp({ keys: KEYS, store });
    assertXksError(await signedRequest(t.app, HEALTH, { requestMetadata: {} }, options), status, errorName);
  });
}
