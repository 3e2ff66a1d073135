/**
 * spec A15 / C21 / C38 / C61-C62: one log line per request with the request metadata, outcome, error and latency;
 * never the plaintext (in or out), the AAD, key material, the secret, the Authorization header or its signature.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { b64, createTestApp, DEFAULT_TEST_KEYS, kmsMetadata, signedRequest, TEST_ACCESS_KEY_ID, TEST_SECRET, testMaterial, type TestApp } from '../../support/test-app.js';
import type { Response } from 'supertest';
import { createDecisionLog } from '../../../src/proxy/explain/decision-log.js';
import { assertOk, assertXksError, decryptBody, decryptPath, encryptBody, encryptPath, flipB64, HEALTH, metadataPath, waitForLogs, type EncryptOutput } from '../../support/http-assertions.js';

const PLAINTEXT = 'Tr0ub4dor&3 the-distinctive-plaintext-that-must-never-be-logged';
const AAD = 'tenant=zebra-aad-marker,purpose=logging-suite';
const VIA = 'ebs';

interface Sent {
  readonly label: string;
  readonly res: Response;
  readonly expect: Record<string, unknown>;
  readonly authorization?: string;
}

/** Run one request and require that it wrote exactly one log line; returns that line. */
async function oneLine(t: TestApp, run: () => Promise<Response>): Promise<{ res: Response; line: Record<string, unknown> }> {
  const before = t.logs.length;
  const res = await run();
  await waitForLogs(t, before + 1);
  await new Promise((r) => setTimeout(r, 20)); // a second line, if any, would be written by now
  assert.equal(t.logs.length, before + 1, `one line per request, got ${t.logs.length - before}`);
  const line = t.logs[before];
  assert.ok(line !== undefined);
  return { res, line };
}

function forbiddenStrings(t: TestApp, sent: readonly Sent[]): [string, string][] {
  const plaintext = Buffer.from(PLAINTEXT);
  const out: [string, string][] = [
    ['plaintext base64', plaintext.toString('base64')],
    ['plaintext hex', plaintext.toString('hex')],
    ['plaintext text', PLAINTEXT],
    ['plaintext text fragment', 'distinctive-plaintext'],
    ['AAD base64', Buffer.from(AAD).toString('base64')],
    ['AAD text', AAD],
    ['AAD text fragment', 'zebra-aad-marker'],
    ['secret', TEST_SECRET],
  ];
  for (const key of t.runtime.storesByPrefix.get('')?.keys.listKeys() ?? []) {
    for (const { version, material } of key.versions) {
      out.push([`${key.externalKeyId}/v${version} material base64`, Buffer.from(material).toString('base64')]);
      out.push([`${key.externalKeyId}/v${version} material hex`, Buffer.from(material).toString('hex')]);
    }
  }
  for (const s of sent) {
    const auth = s.authorization;
    if (auth === undefined) continue;
    out.push([`${s.label} Authorization header`, auth]);
    const signature = /Signature=([0-9a-f]{64})/.exec(auth)?.[1];
    assert.ok(signature !== undefined);
    out.push([`${s.label} Signature`, signature]);
  }
  return out;
}

test('logging: every operation -> exactly one line each with metadata, outcome, errorName, durationMs; no plaintext, AAD, key material, secret or signature (log lines and decision records)', async () => {
  const decisions = createDecisionLog();
  const t = createTestApp({ deps: { decisions } });
  assert.deepEqual(Buffer.from(testMaterial('key-1/v1')), Buffer.from(DEFAULT_TEST_KEYS[0]?.versions[0]?.material ?? []), 'the material under test is the app key');
  const sent: Sent[] = [];
  const record = async (label: string, run: () => Promise<Response>, expect: Record<string, unknown>) => {
    const { res, line } = await oneLine(t, run);
    const authorization = res.request.get('Authorization');
    sent.push({ label, res, expect, ...(typeof authorization === 'string' && { authorization }) });
    for (const [field, value] of Object.entries(expect)) {
      assert.deepEqual(line[field], value, `${label}: log field ${field}`);
    }
    assert.equal(typeof line.durationMs, 'number', `${label}: durationMs`);
    assert.ok((line.durationMs as number) >= 0);
    return res;
  };

  const metadata = (op: string) => kmsMetadata(op, { kmsViaService: VIA, kmsRequestId: `req-${op}` });
  const base = { keyStore: 'test' };

  // GetHealthStatus
  await record(
    'health',
    () => signedRequest(t.app, HEALTH, { requestMetadata: { kmsRequestId: 'req-health', kmsOperation: 'KmsHealthCheck' } }),
    { ...base, operation: 'GetHealthStatus', kmsRequestId: 'req-health', kmsOperation: 'KmsHealthCheck', outcome: 'ok', status: 200, errorName: undefined, accessKeyId: TEST_ACCESS_KEY_ID, accessKeyIdUnverified: undefined },
  );

  // GetKeyMetadata
  const { kmsKeyArn: _unused, kmsViaService: _via, ...metadataRequestMetadata } = metadata('CreateKey');
  await record('metadata', () => signedRequest(t.app, metadataPath('key-1'), { requestMetadata: metadataRequestMetadata }), {
    ...base,
    operation: 'GetKeyMetadata',
    externalKeyId: 'key-1',
    kmsRequestId: 'req-CreateKey',
    kmsOperation: 'CreateKey',
    awsPrincipalArn: metadataRequestMetadata.awsPrincipalArn,
    kmsKeyArn: undefined,
    kmsViaService: undefined,
    outcome: 'ok',
    errorName: undefined,
  });

  // Encrypt with AAD and CDIV
  const encRes = await record(
    'encrypt',
    () =>
      signedRequest(
        t.app,
        encryptPath('key-1'),
        encryptBody(PLAINTEXT, { requestMetadata: metadata('Encrypt'), additionalAuthenticatedData: b64(AAD), ciphertextDataIntegrityValueAlgorithm: 'SHA_256' }),
      ),
    {
      ...base,
      operation: 'Encrypt',
      externalKeyId: 'key-1',
      kmsRequestId: 'req-Encrypt',
      kmsOperation: 'Encrypt',
      awsPrincipalArn: metadata('Encrypt').awsPrincipalArn,
      kmsKeyArn: metadata('Encrypt').kmsKeyArn,
      kmsViaService: VIA,
      outcome: 'ok',
      errorName: undefined,
    },
  );
  const out = assertOk(encRes) as unknown as EncryptOutput;

  // Decrypt (succeeds: the plaintext comes back out, and must not be logged either)
  const decRes = await record(
    'decrypt',
    () => signedRequest(t.app, decryptPath('key-1'), decryptBody(out, { requestMetadata: metadata('Decrypt'), additionalAuthenticatedData: b64(AAD) })),
    {
      ...base,
      operation: 'Decrypt',
      externalKeyId: 'key-1',
      kmsRequestId: 'req-Decrypt',
      kmsOperation: 'Decrypt',
      awsPrincipalArn: metadata('Decrypt').awsPrincipalArn,
      kmsKeyArn: metadata('Decrypt').kmsKeyArn,
      kmsViaService: VIA,
      outcome: 'ok',
      errorName: undefined,
    },
  );
  assert.equal(Buffer.from(String(assertOk(decRes).plaintext), 'base64').toString(), PLAINTEXT);

  // A failing decrypt (tag flipped)
  const failedDecrypt = await record(
    'failing decrypt',
    () =>
      signedRequest(
        t.app,
        decryptPath('key-1'),
        decryptBody({ ...out, authenticationTag: flipB64(out.authenticationTag) }, { requestMetadata: metadata('ReEncrypt'), additionalAuthenticatedData: b64(AAD) }),
      ),
    {
      ...base,
      operation: 'Decrypt',
      externalKeyId: 'key-1',
      kmsRequestId: 'req-ReEncrypt',
      kmsOperation: 'ReEncrypt',
      kmsViaService: VIA,
      outcome: 'error',
      status: 400,
      errorName: 'InvalidCiphertextException',
    },
  );
  assertXksError(failedDecrypt, 400, 'InvalidCiphertextException');

  // A failing authentication (wrong secret) on an encrypt carrying the plaintext
  const failedAuth = await record(
    'failing auth',
    () =>
      signedRequest(t.app, encryptPath('key-1'), encryptBody(PLAINTEXT, { requestMetadata: metadata('Encrypt'), additionalAuthenticatedData: b64(AAD) }), {
        secret: 'WRONGWRONGWRONGWRONGWRONGWRONGWRONGWRONGWRO',
      }),
    {
      ...base,
      operation: 'Encrypt',
      externalKeyId: 'key-1',
      outcome: 'refused',
      status: 401,
      errorName: 'AuthenticationFailedException',
      accessKeyId: undefined,
      accessKeyIdUnverified: TEST_ACCESS_KEY_ID,
    },
  );
  assertXksError(failedAuth, 401, 'AuthenticationFailedException');
  assert.match(String(t.logs.at(-1)?.reason), /signature-mismatch/);

  // A failing validation carrying the plaintext in a malformed field
  await record(
    'failing validation',
    () => signedRequest(t.app, encryptPath('key-1'), encryptBody(PLAINTEXT, { requestMetadata: metadata('Encrypt'), encryptionAlgorithm: PLAINTEXT })),
    { ...base, operation: 'Encrypt', kmsRequestId: 'req-Encrypt', outcome: 'error', status: 400, errorName: 'ValidationException' },
  );

  assert.equal(t.rawLogs.length, sent.length, 'one line per request overall');
  for (const [what, value] of forbiddenStrings(t, sent)) {
    for (const [i, line] of t.rawLogs.entries()) {
      assert.ok(!line.includes(value), `log line ${i} (${sent[i]?.label}) contains the ${what}`);
    }
  }
  // The raw lines are what a log pipeline stores: also check case-insensitively for the hex forms.
  const lowered = t.rawLogs.join('\n').toLowerCase();
  assert.ok(!lowered.includes(Buffer.from(PLAINTEXT).toString('hex')));

  // The decision records `xks explain` and the console show (src/proxy/explain/): one per request, same rule.
  const records = decisions.recent(1000);
  assert.equal(records.length, sent.length, 'one decision record per request');
  assert.ok(records.some((r) => typeof r.facts['canonicalRequest'] === 'string'), 'the signature refusal kept its canonical request');
  const served = JSON.stringify(records);
  for (const [what, value] of forbiddenStrings(t, sent)) {
    assert.ok(!served.includes(value), `a decision record contains the ${what}`);
    assert.ok(!served.toLowerCase().includes(value.toLowerCase()), `a decision record contains the ${what} (any case)`);
  }
});

test('logging: kmsViaService absent from the request -> absent from the line', async () => {
  const t = createTestApp();
  const { line } = await oneLine(t, () => signedRequest(t.app, encryptPath('key-1'), encryptBody('x')));
  assert.equal(Object.hasOwn(line, 'kmsViaService'), false);
  assert.equal(line.kmsRequestId, kmsMetadata('Encrypt').kmsRequestId);
});

test('logging: key-state failure -> one line with errorName InvalidStateException and the metadata', async () => {
  const t = createTestApp();
  const { res, line } = await oneLine(t, () => signedRequest(t.app, encryptPath('key-disabled'), encryptBody(PLAINTEXT)));
  assertXksError(res, 400, 'InvalidStateException');
  assert.equal(line.errorName, 'InvalidStateException');
  assert.equal(line.externalKeyId, 'key-disabled');
  assert.equal(line.kmsRequestId, kmsMetadata('Encrypt').kmsRequestId);
  assert.equal(line.outcome, 'error');
  assert.ok(!t.rawLogs.join('').includes(Buffer.from(PLAINTEXT).toString('base64')));
});
