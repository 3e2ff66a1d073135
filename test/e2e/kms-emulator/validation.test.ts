/**
 * Validation as AWS words it, through real clients: @aws-sdk/client-kms (no client-side validation) and the
 * AWS CLI v2 (which does not check enums): every violation listed, nested paths, enums from the SDK model.
 */
import { CreateCustomKeyStoreCommand, CreateKeyCommand, EncryptCommand, GenerateDataKeyPairCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { runAwsCli } from '../../support/aws-cli.js';
import { startHarness, type Harness } from '../../support/kms-harness.js';

const CALLER = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

const refusedWith = (p: Promise<unknown>, name: string, message: string | RegExp): Promise<void> =>
  assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });

describe('validation through real clients', { timeout: 120_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('SDK: Encrypt without KeyId and Plaintext -> "2 validation errors detected: ..." naming both', async () => {
    await refusedWith(
      h.kms.send(new EncryptCommand({} as never)),
      'ValidationException',
      "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'plaintext' failed to satisfy constraint: Member must not be null",
    );
  });

  it('SDK: a nested member keeps its path (xksProxyAuthenticationCredential.accessKeyId)', async () => {
    await refusedWith(
      h.kms.send(
        new CreateCustomKeyStoreCommand({
          CustomKeyStoreName: 'n',
          CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
          XksProxyConnectivity: 'PUBLIC_ENDPOINT',
          XksProxyUriEndpoint: 'https://xks.example.com',
          XksProxyUriPath: '/kms/xks/v1',
          XksProxyAuthenticationCredential: { AccessKeyId: 'SHORT', RawSecretAccessKey: 'a'.repeat(43) },
        }),
      ),
      'ValidationException',
      /at 'xksProxyAuthenticationCredential\.accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 20$/,
    );
  });

  it('SDK: KeyUsage FOO is a ValidationException with the model enum, not UnsupportedOperationException', async () => {
    await refusedWith(h.kms.send(new CreateKeyCommand({ KeyUsage: 'FOO' as never })), 'ValidationException', /^1 validation error detected: Value 'FOO' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: \[/);
  });

  it('SDK: KeyPairSpec from the current model: ECC_NIST_EDWARDS25519 makes an Ed25519 pair', async () => {
    const keyId = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
    const out = await h.kms.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: 'ECC_NIST_EDWARDS25519' }));
    assert.equal(createPublicKey({ key: Buffer.from(out.PublicKey ?? new Uint8Array()), format: 'der', type: 'spki' }).asymmetricKeyType, 'ed25519');
  });

  it('AWS CLI v2: create-key --key-usage FOO -> ValidationException in AWS format', async () => {
    const r = await runAwsCli(['kms', 'create-key', '--key-usage', 'FOO'], { endpoint: h.endpoint, ...CALLER });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /An error occurred \(ValidationException\) when calling the CreateKey operation: 1 validation error detected: Value 'FOO' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: \[ENCAPSULATE_DECAPSULATE, ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, KEY_AGREEMENT, SIGN_VERIFY\]/);
  });
});
