/**
 * Every error the spec names that can be provoked from outside (spec A10, A12, A1, A2, A5, A6, A9), each with its
 * status and errorName, and an errorMessage of < 512 printable ASCII chars (C47, checked by expectError).
 */
import { randomBytes } from 'node:crypto';
import { buildDecryptBody, buildEncryptBody, type DecryptCall } from '../../xks-client/xks-client.js';
import { MAX_CIPHERTEXT_METADATA_BYTES } from '../../xks/limits.js';
import { expectError, expectOk, expectStatus, type CheckCase } from '../check-case.js';
import type { CheckContext } from '../check-context.js';

const healthBody = (ctx: CheckContext): object => {
  const { kmsRequestId } = ctx.metadata('KmsHealthCheck');
  return { requestMetadata: { kmsRequestId, kmsOperation: 'KmsHealthCheck' } };
};

const encryptBody = (ctx: CheckContext, cdiv = false): Record<string, unknown> =>
  buildEncryptBody({ requestMetadata: ctx.metadata('Encrypt'), plaintext: randomBytes(32), additionalAuthenticatedData: Buffer.alloc(0), requestCdiv: cdiv });

const decryptCall = (ctx: CheckContext, over: Partial<DecryptCall> = {}): DecryptCall => ({
  requestMetadata: ctx.metadata('Decrypt'),
  ciphertext: randomBytes(32),
  ciphertextMetadata: undefined,
  initializationVector: randomBytes(12),
  authenticationTag: randomBytes(16),
  additionalAuthenticatedData: Buffer.alloc(0),
  ...over,
});

/** A well-formed access key id (spec A12: 20-30 chars of A-Z2-7) that no proxy has. */
const unknownAccessKeyId = (): string => `AKIA${[...randomBytes(16)].map((b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('')}`;

const AUTH = ['AuthenticationFailedException'] as const;
const SIX_MINUTES_MS = 6 * 60_000;

export const ERROR_CASES: readonly CheckCase[] = [
  {
    id: 'auth.bad-signature',
    title: 'signed with a wrong secret -> 401 AuthenticationFailedException',
    clauses: ['A12', 'C51'],
    level: 'MUST',
    async run(ctx) {
      const wrong = { accessKeyId: ctx.inputs.credential.accessKeyId, secretAccessKey: randomBytes(32).toString('base64') };
      await expectError(await ctx.send('/health', healthBody(ctx), { credential: wrong }), AUTH, 'GetHealthStatus');
      return expectError(await ctx.send(ctx.keyPath(ctx.inputs.keyId, 'encrypt'), encryptBody(ctx), { credential: wrong }), AUTH, 'Encrypt');
    },
  },
  {
    id: 'auth.stale-request',
    title: 'X-Amz-Date one hour in the past or future -> 401 AuthenticationFailedException',
    clauses: ['A12', 'C69'],
    level: 'MUST',
    async run(ctx) {
      await expectError(await ctx.send('/health', healthBody(ctx), { clockOffsetMs: -3_600_000 }), AUTH, '1 h in the past');
      return expectError(await ctx.send('/health', healthBody(ctx), { clockOffsetMs: 3_600_000 }), AUTH, '1 h in the future');
    },
  },
  {
    id: 'auth.skew-over-5-minutes',
    title: 'X-Amz-Date 6 minutes off (past and future) -> 401 AuthenticationFailedException',
    clauses: ['A12', 'C70'],
    level: 'SHOULD',
    async run(ctx) {
      await expectError(await ctx.send('/health', healthBody(ctx), { clockOffsetMs: -SIX_MINUTES_MS }), AUTH, '6 min in the past');
      return expectError(await ctx.send('/health', healthBody(ctx), { clockOffsetMs: SIX_MINUTES_MS }), AUTH, '6 min in the future');
    },
  },
  {
    id: 'auth.unknown-access-key-id',
    title: 'an access key id the proxy does not know -> 401 AuthenticationFailedException',
    clauses: ['A12', 'C67'],
    level: 'MUST',
    async run(ctx) {
      const credential = { accessKeyId: unknownAccessKeyId(), secretAccessKey: ctx.inputs.credential.secretAccessKey };
      return expectError(await ctx.send('/health', healthBody(ctx), { credential }), AUTH, 'GetHealthStatus');
    },
  },
  {
    id: 'auth.wrong-scope',
    title: 'a scope naming another region or another service -> 401 AuthenticationFailedException',
    clauses: ['A12'],
    level: 'MUST',
    async run(ctx) {
      await expectError(await ctx.send('/health', healthBody(ctx), { region: 'xx-nowhere-1' }), AUTH, 'region xx-nowhere-1');
      return expectError(await ctx.send('/health', healthBody(ctx), { service: 'kms' }), AUTH, 'service kms');
    },
  },
  {
    id: 'auth.second-credential',
    title: 'a second live credential of the key store is accepted',
    clauses: ['A12', 'C56'],
    level: 'SHOULD',
    needs: ['secondCredential'],
    async run(ctx) {
      const credential = ctx.inputs.secondCredential;
      const r = await ctx.send('/health', healthBody(ctx), credential === undefined ? {} : { credential });
      expectStatus(r, 200, 'GetHealthStatus with the second credential');
      return '200';
    },
  },
  {
    id: 'path.unknown-prefix',
    title: 'a path prefix the proxy does not serve, or an unknown operation -> 404 InvalidUriPathException',
    clauses: ['A2'],
    level: 'MUST',
    async run(ctx) {
      const uriPath = `/no-such-prefix-${randomBytes(4).toString('hex')}/kms/xks/v1`;
      await expectError(await ctx.send('/health', healthBody(ctx), { uriPath }), ['InvalidUriPathException'], `prefix ${uriPath}`);
      return expectError(await ctx.send(`/keys/${encodeURIComponent(ctx.inputs.keyId)}/rotate`, encryptBody(ctx)), ['InvalidUriPathException'], '/keys/<id>/rotate');
    },
  },
  {
    id: 'method.get-405',
    title: 'GET on an API URI -> 405',
    clauses: ['A1', 'C6'],
    level: 'MUST',
    async run(ctx) {
      expectStatus(await ctx.send('/health', '', { method: 'GET' }), 405, 'GET /health');
      expectStatus(await ctx.send(ctx.keyPath(ctx.inputs.keyId, 'metadata'), '', { method: 'GET' }), 405, 'GET /keys/<id>/metadata');
      return '405';
    },
  },
  {
    id: 'key.unknown',
    title: 'an external key id the proxy does not have -> 404 KeyNotFoundException',
    clauses: ['A2', 'A10', 'C11'],
    level: 'MUST',
    async run(ctx) {
      const id = `no-such-key-${randomBytes(6).toString('hex')}`;
      await expectError(await ctx.send(ctx.keyPath(id, 'metadata'), { requestMetadata: ctx.metadata('CreateKey') }), ['KeyNotFoundException'], 'GetKeyMetadata');
      await expectError(await ctx.send(ctx.keyPath(id, 'encrypt'), encryptBody(ctx)), ['KeyNotFoundException'], 'Encrypt');
      return expectError(await ctx.send(ctx.keyPath(id, 'decrypt'), buildDecryptBody(decryptCall(ctx))), ['KeyNotFoundException'], 'Decrypt');
    },
  },
  {
    id: 'validation.bad-base64',
    title: 'URL-safe or unpadded base64 in plaintext -> 400 ValidationException',
    clauses: ['A1', 'A10'],
    level: 'MUST',
    async run(ctx) {
      const path = ctx.keyPath(ctx.inputs.keyId, 'encrypt');
      // 0xfb 0xff 0xbf is "+/+/" in the standard alphabet and "-_-_" in the URL-safe one.
      await expectError(await ctx.send(path, { ...encryptBody(ctx), plaintext: '-_-_' }), ['ValidationException'], 'URL-safe base64');
      return expectError(await ctx.send(path, { ...encryptBody(ctx), plaintext: 'SGVsbG8' }), ['ValidationException'], 'unpadded base64');
    },
  },
  {
    id: 'validation.bad-iv-length',
    title: 'Decrypt with an 8-byte IV -> 400 ValidationException (or InvalidCiphertextException)',
    clauses: ['A6', 'C33'],
    level: 'MUST',
    async run(ctx) {
      const body = buildDecryptBody(decryptCall(ctx, { initializationVector: randomBytes(8) }));
      return expectError(await ctx.send(ctx.keyPath(ctx.inputs.keyId, 'decrypt'), body), ['ValidationException', 'InvalidCiphertextException'], '8-byte IV');
    },
  },
  {
    id: 'validation.metadata-over-20-bytes',
    title: 'Decrypt with 21 bytes of ciphertextMetadata -> 400 ValidationException (or InvalidCiphertextException)',
    clauses: ['A6', 'C36'],
    level: 'MUST',
    async run(ctx) {
      const body = buildDecryptBody(decryptCall(ctx, { ciphertextMetadata: randomBytes(MAX_CIPHERTEXT_METADATA_BYTES + 1) }));
      return expectError(await ctx.send(ctx.keyPath(ctx.inputs.keyId, 'decrypt'), body), ['ValidationException', 'InvalidCiphertextException'], '21-byte metadata');
    },
  },
  {
    id: 'validation.wrong-algorithm',
    title: 'encryptionAlgorithm other than AES_GCM, or a CDIV algorithm other than SHA_256 -> 400 ValidationException',
    clauses: ['A5', 'C22', 'C25'],
    level: 'MUST',
    async run(ctx) {
      const path = ctx.keyPath(ctx.inputs.keyId, 'encrypt');
      await expectError(await ctx.send(path, { ...encryptBody(ctx), encryptionAlgorithm: 'AES_CBC' }), ['ValidationException'], 'encryptionAlgorithm AES_CBC');
      await expectError(
        await ctx.send(ctx.keyPath(ctx.inputs.keyId, 'decrypt'), { ...buildDecryptBody(decryptCall(ctx)), encryptionAlgorithm: 'AES_CBC' }),
        ['ValidationException'],
        'Decrypt encryptionAlgorithm AES_CBC',
      );
      return expectError(await ctx.send(path, { ...encryptBody(ctx), ciphertextDataIntegrityValueAlgorithm: 'MD5' }), ['ValidationException'], 'CDIV algorithm MD5');
    },
  },
  {
    id: 'usage.encrypt-only-key',
    title: 'ENCRYPT-only key: Encrypt 200; Encrypt with a CDIV and Decrypt -> 400 InvalidKeyUsageException',
    clauses: ['A9', 'A10'],
    level: 'MUST',
    needs: ['encryptOnlyKey'],
    async run(ctx) {
      const id = ctx.keyFor('encryptOnlyKey');
      expectOk(await ctx.client.encrypt(ctx.target, id, { requestMetadata: ctx.metadata('Encrypt'), plaintext: randomBytes(32), additionalAuthenticatedData: Buffer.alloc(0), requestCdiv: false }), 'Encrypt without CDIV');
      await expectError(await ctx.send(ctx.keyPath(id, 'encrypt'), encryptBody(ctx, true)), ['InvalidKeyUsageException'], 'Encrypt with a CDIV');
      return expectError(await ctx.send(ctx.keyPath(id, 'decrypt'), buildDecryptBody(decryptCall(ctx))), ['InvalidKeyUsageException'], 'Decrypt');
    },
  },
  {
    id: 'usage.decrypt-only-key',
    title: 'DECRYPT-only key: Encrypt -> 400 InvalidKeyUsageException',
    clauses: ['A10'],
    level: 'MUST',
    needs: ['decryptOnlyKey'],
    async run(ctx) {
      const id = ctx.keyFor('decryptOnlyKey');
      return expectError(await ctx.send(ctx.keyPath(id, 'encrypt'), encryptBody(ctx)), ['InvalidKeyUsageException'], 'Encrypt');
    },
  },
  {
    id: 'usage.no-usage-key',
    title: 'key without usage: Encrypt and Decrypt -> 400 InvalidKeyUsageException',
    clauses: ['A10'],
    level: 'MUST',
    needs: ['noUsageKey'],
    async run(ctx) {
      const id = ctx.keyFor('noUsageKey');
      await expectError(await ctx.send(ctx.keyPath(id, 'encrypt'), encryptBody(ctx)), ['InvalidKeyUsageException'], 'Encrypt');
      return expectError(await ctx.send(ctx.keyPath(id, 'decrypt'), buildDecryptBody(decryptCall(ctx))), ['InvalidKeyUsageException'], 'Decrypt');
    },
  },
  {
    id: 'state.disabled-key',
    title: 'disabled key: GetKeyMetadata says DISABLED (or 400 InvalidStateException); Encrypt and Decrypt -> 400 InvalidStateException',
    clauses: ['A4', 'A10', 'C17'],
    level: 'MUST',
    needs: ['disabledKey'],
    async run(ctx) {
      const id = ctx.keyFor('disabledKey');
      const { kmsKeyArn: _k, kmsViaService: _v, ...meta } = ctx.metadata('CreateKey');
      const m = await ctx.send(ctx.keyPath(id, 'metadata'), { requestMetadata: meta });
      if (!(m.kind === 'response' && m.status === 200 && /"keyStatus"\s*:\s*"DISABLED"/.test(m.body))) {
        await expectError(m, ['InvalidStateException'], 'GetKeyMetadata (neither keyStatus DISABLED nor InvalidStateException)');
      }
      await expectError(await ctx.send(ctx.keyPath(id, 'encrypt'), encryptBody(ctx)), ['InvalidStateException'], 'Encrypt');
      return expectError(await ctx.send(ctx.keyPath(id, 'decrypt'), buildDecryptBody(decryptCall(ctx))), ['InvalidStateException'], 'Decrypt');
    },
  },
];
