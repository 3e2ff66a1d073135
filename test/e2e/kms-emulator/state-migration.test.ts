/**
 * The state file: automatic migration of a schema-version-1 file written by the first emulator (a real file,
 * test/vectors/kms-emulator/), key material wrapped at rest, everything of issue 14 surviving a restart, and a
 * file from a newer emulator refused. The migrated file is then used with the REAL proxy code: the ciphertext the
 * old emulator made still decrypts.
 */
import { CreateAliasCommand, CreateGrantCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EnableKeyRotationCommand, EncryptCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, ListAliasesCommand, ListGrantsCommand, ListResourceTagsCommand, PutKeyPolicyCommand, RotateKeyOnDemandCommand, UpdateCustomKeyStoreCommand } from '@aws-sdk/client-kms';
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createKmsStateStore } from '../../../src/kms-emulator/store/kms-state-store.js';
import { CURRENT_SCHEMA_VERSION } from '../../../src/kms-emulator/store/state-migrations.js';
import { startInProcessProxy } from '../../support/in-process-proxy.js';
import { testKey } from '../../support/test-app.js';
import { connectAndSettle, startHarness } from '../../support/kms-harness.js';
import { REPO_ROOT } from '../../support/repo-root.js';

const VECTORS = join(REPO_ROOT, 'test', 'vectors', 'kms-emulator');
const fixture = JSON.parse(readFileSync(join(VECTORS, 'kms-state-v1.json'), 'utf8')) as { customKeyStoreId: string; keyId: string; plaintext: string; encryptionContext: Record<string, string>; ciphertextBlob: string };

describe('KMS emulator state file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-state-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const copyV1 = (name: string): string => {
    const path = join(dir, name);
    copyFileSync(join(VECTORS, 'kms-state-v1.sqlite'), path);
    return path;
  };

  it('schema 1 -> 2 on open: key material wrapped (no longer in the file), origin and default policy added, stores kept', () => {
    const path = copyV1('migrate.sqlite');
    const raw = new Database(path, { readonly: true });
    const v1doc = JSON.parse(raw.prepare<[], { doc: string }>('SELECT doc FROM kms_keys').get()!.doc) as { keyMaterial: string };
    raw.close();
    assert.match(v1doc.keyMaterial, /^[A-Za-z0-9+/]{43}=$/);
    const store = createKmsStateStore(path);
    assert.deepEqual(store.migrationsApplied, [2, 3]);
    const k = store.getKey(fixture.keyId)!;
    assert.equal(k.origin, 'EXTERNAL_KEY_STORE');
    assert.equal(k.xksKeyId, 'key-1');
    assert.deepEqual(k.materials.map((m) => m.material.toString('base64')), [v1doc.keyMaterial], 'the same material, now unwrapped in memory');
    assert.equal((JSON.parse(k.policy) as { Id: string }).Id, 'key-default-1');
    assert.equal(store.getCustomKeyStore(fixture.customKeyStoreId)?.connectionState, 'DISCONNECTED');
    store.close();
    const bytes = readFileSync(path);
    assert.equal(bytes.includes(Buffer.from(v1doc.keyMaterial)), false, 'the raw material is not in the migrated file');
    const again = createKmsStateStore(path);
    assert.deepEqual(again.migrationsApplied, [], 'a current file is not migrated again');
    again.close();
  });

  it('a file from a newer emulator is refused with a clear error, and left untouched', () => {
    const path = join(dir, 'newer.sqlite');
    createKmsStateStore(path).close();
    const db = new Database(path);
    db.prepare("UPDATE meta SET value = ? WHERE name = 'schema_version'").run(String(CURRENT_SCHEMA_VERSION + 1));
    db.close();
    assert.throws(() => createKmsStateStore(path), new RegExp(`schema version ${CURRENT_SCHEMA_VERSION + 1}, newer than this emulator.s ${CURRENT_SCHEMA_VERSION}`));
  });

  it('migrated file + the real proxy: the ciphertext made by the schema-1 emulator decrypts', async () => {
    const path = copyV1('with-proxy.sqlite');
    const proxy = await startInProcessProxy({ keys: [testKey('key-1')] });
    const h = await startHarness({}, path);
    try {
      await h.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: fixture.customKeyStoreId, XksProxyUriEndpoint: proxy.proxy.url }));
      assert.equal((await connectAndSettle(h.kms, fixture.customKeyStoreId)).state, 'CONNECTED');
      const d = await h.kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from(fixture.ciphertextBlob, 'base64'), EncryptionContext: fixture.encryptionContext }));
      assert.equal(Buffer.from(d.Plaintext!).toString(), fixture.plaintext);
    } finally {
      await h.close();
      await proxy.stop();
    }
  });

  it('restart on the same file: standard keys, aliases, tags, policies, grants, rotation and old ciphertext survive', async () => {
    const path = join(dir, 'restart.sqlite');
    const first = await startHarness({}, path);
    const key = (await first.kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'a', TagValue: 'b' }] }))).KeyMetadata!;
    const e = await first.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('persisted') }));
    await first.kms.send(new CreateAliasCommand({ AliasName: 'alias/persisted', TargetKeyId: key.KeyId }));
    const policy = '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}';
    await first.kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: policy }));
    const grant = await first.kms.send(new CreateGrantCommand({ KeyId: key.KeyId, GranteePrincipal: 'arn:aws:iam::111122223333:role/r', Operations: ['Decrypt'] }));
    await first.kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId }));
    await first.kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
    await first.close();
    const second = await startHarness({}, path);
    try {
      assert.equal((await second.kms.send(new DescribeKeyCommand({ KeyId: 'alias/persisted' }))).KeyMetadata?.KeyId, key.KeyId);
      assert.deepEqual((await second.kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId }))).Tags, [{ TagKey: 'a', TagValue: 'b' }]);
      assert.equal((await second.kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default' }))).Policy, policy);
      assert.equal((await second.kms.send(new ListGrantsCommand({ KeyId: key.KeyId }))).Grants?.[0]?.GrantId, grant.GrantId);
      assert.equal((await second.kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }))).KeyRotationEnabled, true);
      assert.equal((await second.kms.send(new ListAliasesCommand({}))).Aliases?.length, 1);
      assert.equal(Buffer.from((await second.kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }))).Plaintext!).toString(), 'persisted');
    } finally {
      await second.close();
    }
  });
});
