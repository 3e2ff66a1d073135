/**
 * GetKeyMetadata, Encrypt and Decrypt with the main key: values, not shapes (spec A4-A9, C5, C12-C37).
 * The client (shared with the KMS emulator) already refuses what KMS would: wrong lengths, metadata > 20 B,
 * a CDIV that does not recompute (src/xks-client/xks-client.ts, src/xks-client/proxy-outcome.ts).
 */
import { randomBytes } from 'node:crypto';
import { buildDecryptBody, type DecryptCall, type RequestMetadata } from '../../xks-client/xks-client.js';
import type { EncryptResponse } from '../../xks-client/proxy-outcome.js';
import { MAX_CIPHERTEXT_METADATA_BYTES, SPEC_MIN_AAD_BYTES, SPEC_MIN_ARN_CHARS, SPEC_MIN_PLAINTEXT_BYTES } from '../../xks/limits.js';
import { expectError, expectOk, fail, type CheckCase } from '../check-case.js';
import type { CheckContext } from '../check-context.js';

/** The spec's A5 example AAD. */
const SAMPLE_AAD = Buffer.from('project=nile,department=marketing');

export interface RoundTrip {
  readonly encrypted: EncryptResponse;
  readonly call: DecryptCall;
}

/** Encrypt, then Decrypt the answer and compare: the bytes must come back (spec C37). */
export async function roundTrip(
  ctx: CheckContext,
  options: { plaintext: Buffer; aad: Buffer; cdiv: boolean; metadata?: (op: string) => RequestMetadata; keyId?: string },
): Promise<RoundTrip> {
  const keyId = options.keyId ?? ctx.inputs.keyId;
  const meta = options.metadata ?? ((op: string) => ctx.metadata(op));
  const encrypted = expectOk(
    await ctx.client.encrypt(ctx.target, keyId, { requestMetadata: meta('Encrypt'), plaintext: options.plaintext, additionalAuthenticatedData: options.aad, requestCdiv: options.cdiv }),
    'Encrypt',
  );
  const call: DecryptCall = {
    requestMetadata: meta('Decrypt'),
    ciphertext: encrypted.ciphertext,
    ciphertextMetadata: encrypted.ciphertextMetadata,
    initializationVector: encrypted.initializationVector,
    authenticationTag: encrypted.authenticationTag,
    additionalAuthenticatedData: options.aad,
  };
  const plaintext = expectOk(await ctx.client.decrypt(ctx.target, keyId, call), 'Decrypt of the Encrypt answer');
  if (!plaintext.equals(options.plaintext)) fail('Decrypt returned other bytes than were encrypted');
  return { encrypted, call };
}

const describeOutput = (e: EncryptResponse): string =>
  `IV ${e.initializationVector.length} B, tag ${e.authenticationTag.length} B, ciphertextMetadata ${e.ciphertextMetadata?.length ?? 0} B`;

function flipBit(bytes: Buffer, index = 0): Buffer {
  const copy = Buffer.from(bytes);
  copy[index % copy.length] = (copy[index % copy.length] ?? 0) ^ 0x01;
  return copy;
}

/** A Decrypt that must be refused because the parts do not authenticate (spec A6: 400 InvalidCiphertextException). */
async function expectRefusedDecrypt(ctx: CheckContext, call: DecryptCall, what: string): Promise<string> {
  return expectError(await ctx.send(ctx.keyPath(ctx.inputs.keyId, 'decrypt'), buildDecryptBody(call)), ['InvalidCiphertextException'], what);
}

const longArn = (prefix: string): string => `${prefix}${'x'.repeat(SPEC_MIN_ARN_CHARS - prefix.length)}`;

export const CRYPTO_CASES: readonly CheckCase[] = [
  {
    id: 'metadata.key',
    title: 'GetKeyMetadata: keySpec AES_256, keyUsage has ENCRYPT and DECRYPT (<= 10 entries), keyStatus ENABLED',
    clauses: ['A4', 'C15', 'C16'],
    level: 'MUST',
    async run(ctx) {
      const { kmsKeyArn: _arn, kmsViaService: _via, ...meta } = ctx.metadata('CreateKey');
      const m = expectOk(await ctx.client.getKeyMetadata(ctx.target, ctx.inputs.keyId, meta), 'GetKeyMetadata');
      if (m.keySpec !== 'AES_256') fail(`keySpec is ${m.keySpec}, not AES_256`);
      for (const u of ['ENCRYPT', 'DECRYPT']) if (!m.keyUsage.includes(u)) fail(`keyUsage ${JSON.stringify(m.keyUsage)} lacks ${u}`);
      if (m.keyStatus !== 'ENABLED') fail(`keyStatus is ${m.keyStatus}, not ENABLED`);
      return `${m.keySpec} ${m.keyUsage.join(',')} ${m.keyStatus}`;
    },
  },
  {
    id: 'encrypt.round-trip',
    title: 'Encrypt with every optional field (AAD, CDIV, VPC and via-service metadata), then Decrypt: same bytes',
    clauses: ['A5', 'A6', 'A9', 'C26', 'C27', 'C28', 'C29', 'C33', 'C34', 'C37'],
    level: 'MUST',
    async run(ctx) {
      const { encrypted } = await roundTrip(ctx, { plaintext: randomBytes(32), aad: SAMPLE_AAD, cdiv: true });
      return `${describeOutput(encrypted)}, CDIV recomputes`;
    },
  },
  {
    id: 'encrypt.required-fields-only',
    title: 'Encrypt with only the required fields (no AAD, no CDIV), then Decrypt: same bytes',
    clauses: ['A5', 'A6', 'C26', 'C37'],
    level: 'MUST',
    async run(ctx) {
      const bare = (op: string): RequestMetadata => {
        const { awsPrincipalArn, kmsKeyArn, kmsRequestId } = ctx.metadata(op);
        return { awsPrincipalArn, kmsKeyArn, kmsOperation: op, kmsRequestId } as RequestMetadata;
      };
      const { encrypted } = await roundTrip(ctx, { plaintext: randomBytes(16), aad: Buffer.alloc(0), cdiv: false, metadata: bare });
      return describeOutput(encrypted);
    },
  },
  {
    id: 'decrypt.metadata-bound',
    title: 'ciphertextMetadata is bound into the tag: altered, added or removed -> 400 InvalidCiphertextException',
    clauses: ['A8', 'C30', 'C31', 'C36'],
    level: 'MUST',
    async run(ctx) {
      const { call } = await roundTrip(ctx, { plaintext: randomBytes(32), aad: SAMPLE_AAD, cdiv: false });
      const meta = call.ciphertextMetadata;
      if (meta !== undefined && meta.length > 0) {
        await expectRefusedDecrypt(ctx, { ...call, ciphertextMetadata: flipBit(meta, meta.length - 1) }, 'ciphertextMetadata with one bit flipped');
        await expectRefusedDecrypt(ctx, { ...call, ciphertextMetadata: undefined }, 'ciphertextMetadata left out');
      }
      if ((meta?.length ?? 0) >= MAX_CIPHERTEXT_METADATA_BYTES) return `${meta?.length ?? 0} B of metadata bound`;
      return expectRefusedDecrypt(ctx, { ...call, ciphertextMetadata: Buffer.concat([meta ?? Buffer.alloc(0), Buffer.from([0x01])]) }, 'one byte appended to ciphertextMetadata');
    },
  },
  {
    id: 'decrypt.aad-bound',
    title: 'the AAD is bound: other AAD or none -> 400 InvalidCiphertextException',
    clauses: ['A5', 'A8', 'C23'],
    level: 'MUST',
    async run(ctx) {
      const { call } = await roundTrip(ctx, { plaintext: randomBytes(32), aad: SAMPLE_AAD, cdiv: false });
      await expectRefusedDecrypt(ctx, { ...call, additionalAuthenticatedData: flipBit(SAMPLE_AAD, 3) }, 'AAD with one bit flipped');
      return expectRefusedDecrypt(ctx, { ...call, additionalAuthenticatedData: Buffer.alloc(0) }, 'AAD left out');
    },
  },
  {
    id: 'decrypt.tag-checked',
    title: 'a flipped bit in the ciphertext or the tag -> 400 InvalidCiphertextException',
    clauses: ['A6'],
    level: 'MUST',
    async run(ctx) {
      const { call } = await roundTrip(ctx, { plaintext: randomBytes(32), aad: SAMPLE_AAD, cdiv: false });
      await expectRefusedDecrypt(ctx, { ...call, ciphertext: flipBit(call.ciphertext, 5) }, 'ciphertext with one bit flipped');
      return expectRefusedDecrypt(ctx, { ...call, authenticationTag: flipBit(call.authenticationTag, 7) }, 'tag with one bit flipped');
    },
  },
  {
    id: 'decrypt.iv-16-bytes',
    title: 'Decrypt accepts a 16-byte IV (random ciphertext: 400 InvalidCiphertextException, not ValidationException)',
    clauses: ['A6', 'C33'],
    level: 'MUST',
    async run(ctx) {
      const call: DecryptCall = {
        requestMetadata: ctx.metadata('Decrypt'),
        ciphertext: randomBytes(32),
        ciphertextMetadata: undefined,
        initializationVector: randomBytes(16),
        authenticationTag: randomBytes(16),
        additionalAuthenticatedData: Buffer.alloc(0),
      };
      return expectRefusedDecrypt(ctx, call, 'Decrypt with a 16-byte IV');
    },
  },
  {
    id: 'sizes.spec-minimums',
    title: `Encrypt and Decrypt ${SPEC_MIN_PLAINTEXT_BYTES} B of plaintext with ${SPEC_MIN_AAD_BYTES} B of AAD and a CDIV`,
    clauses: ['A5', 'A6', 'C20', 'C24', 'C35'],
    level: 'MUST',
    async run(ctx) {
      const { encrypted } = await roundTrip(ctx, { plaintext: randomBytes(SPEC_MIN_PLAINTEXT_BYTES), aad: randomBytes(SPEC_MIN_AAD_BYTES), cdiv: true });
      return `${encrypted.ciphertext.length} B ciphertext, CDIV recomputes`;
    },
  },
  {
    id: 'metadata.arn-2048-chars',
    title: `awsPrincipalArn and kmsKeyArn of ${SPEC_MIN_ARN_CHARS} chars on GetKeyMetadata, Encrypt and Decrypt`,
    clauses: ['A3', 'C5'],
    level: 'MUST',
    async run(ctx) {
      const awsPrincipalArn = longArn('arn:aws:iam::111122223333:role/');
      const kmsKeyArn = longArn(`arn:aws:kms:${ctx.inputs.region}:111122223333:key/`);
      const { kmsKeyArn: _k, kmsViaService: _v, ...metaForMetadata } = ctx.metadata('CreateKey', { awsPrincipalArn });
      expectOk(await ctx.client.getKeyMetadata(ctx.target, ctx.inputs.keyId, metaForMetadata), 'GetKeyMetadata');
      await roundTrip(ctx, { plaintext: randomBytes(32), aad: SAMPLE_AAD, cdiv: true, metadata: (op) => ctx.metadata(op, { awsPrincipalArn, kmsKeyArn }) });
      return 'accepted';
    },
  },
  {
    id: 'metadata.opaque-values',
    title: 'an unknown kmsOperation and a kmsRequestId that is not a UUID are accepted on Encrypt and Decrypt',
    clauses: ['A3', 'C12', 'C13'],
    level: 'MUST',
    async run(ctx) {
      const odd = (): RequestMetadata => ctx.metadata('SomeFutureKmsOperation', { kmsRequestId: `not-a-uuid ${randomBytes(4).toString('hex')} ~!@#` });
      await roundTrip(ctx, { plaintext: randomBytes(32), aad: Buffer.alloc(0), cdiv: true, metadata: odd });
      return 'accepted';
    },
  },
];
