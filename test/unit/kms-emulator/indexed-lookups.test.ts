/**
 * Issue 21, finding 4: no KMS API operation of the emulator reads every key, alias or grant. The emulator app
 * (createKmsApp) runs over a state store whose read-everything methods throw; every key, alias and grant
 * operation must still answer, and the List operations must page correctly (every item once, in order, keys whose
 * deletion date passed left out) from what the indexes give them.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createKmsApp } from '../../../src/kms-emulator/create-kms-app.js';
import { buildKmsEmulatorConfig } from '../../../src/kms-emulator/context/kms-config.js';
import { createKmsStateStore, type KmsStateStore } from '../../../src/kms-emulator/store/kms-state-store.js';
import { createLogger } from '../../../src/logging/create-logger.js';

const DAY_MS = 86_400_000;

function guarded(store: KmsStateStore): KmsStateStore {
  const refuse = (what: string) => (): never => {
    throw new Error(`${what} read everything on a request's path`);
  };
  return { ...store, listKeys: refuse('listKeys'), listAliases: refuse('listAliases'), listGrants: refuse('listGrants') };
}

describe('emulator operations read through indexes only', () => {
  const inner = createKmsStateStore(':memory:');
  let now = Date.now();
  const kms = createKmsApp({
    config: buildKmsEmulatorConfig({ allowHttpLoopback: true, dnsMode: 'static' }),
    store: guarded(inner),
    logger: createLogger({ level: 'silent', service: 'kms-emulator' }),
    clock: () => now,
    randomBytes,
    randomUUID,
  });
  after(() => {
    kms.close();
    inner.close();
  });
  const call = async (operation: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const r = await kms.invoke(operation, body);
    if (!r.ok) assert.fail(`${operation}: ${r.type}: ${r.message}`);
    return r.response;
  };
  const pages = async (operation: string, member: string, body: Record<string, unknown>, id: string): Promise<string[]> => {
    const ids: string[] = [];
    let marker: string | undefined;
    do {
      const out = await call(operation, { ...body, ...(marker !== undefined && { Marker: marker }) });
      ids.push(...(out[member] as Record<string, string>[]).map((x) => x[id] ?? ''));
      marker = out['Truncated'] === true ? (out['NextMarker'] as string) : undefined;
    } while (marker !== undefined);
    return ids;
  };

  it('keys: ListKeys pages every key once in creation order; a key past its deletion date is left out', async () => {
    const created: string[] = [];
    for (let i = 0; i < 230; i++) {
      now += 1;
      created.push(((await call('CreateKey', { Description: `k${i}` }))['KeyMetadata'] as { KeyId: string }).KeyId);
    }
    assert.deepEqual(await pages('ListKeys', 'Keys', { Limit: 100 }, 'KeyId'), created);
    await call('ScheduleKeyDeletion', { KeyId: created[150], PendingWindowInDays: 7 });
    assert.equal((await pages('ListKeys', 'Keys', { Limit: 50 }, 'KeyId')).length, 230, 'pending deletion is still listed');
    now += 8 * DAY_MS;
    assert.deepEqual(await pages('ListKeys', 'Keys', { Limit: 50 }, 'KeyId'), created.filter((_, i) => i !== 150));
    const bad = await kms.invoke('ListKeys', { Marker: Buffer.from('no-such-key').toString('base64') });
    assert.equal(bad.ok ? 'ok' : bad.type, 'InvalidMarkerException');
  });

  it('aliases: create, update, list (all, by key, paged), delete', async () => {
    const a = ((await call('CreateKey', {}))['KeyMetadata'] as { KeyId: string }).KeyId;
    const b = ((await call('CreateKey', {}))['KeyMetadata'] as { KeyId: string }).KeyId;
    const names = Array.from({ length: 12 }, (_, i) => `alias/indexed-${String(i).padStart(2, '0')}`);
    for (const name of names) await call('CreateAlias', { AliasName: name, TargetKeyId: a });
    await call('UpdateAlias', { AliasName: names[3], TargetKeyId: b });
    assert.deepEqual(await pages('ListAliases', 'Aliases', { Limit: 5 }, 'AliasName'), names);
    assert.deepEqual(await pages('ListAliases', 'Aliases', { KeyId: a, Limit: 5 }, 'AliasName'), names.filter((_, i) => i !== 3));
    assert.deepEqual(await pages('ListAliases', 'Aliases', { KeyId: b }, 'AliasName'), [names[3]]);
    await call('DeleteAlias', { AliasName: names[0] });
    assert.equal((await pages('ListAliases', 'Aliases', {}, 'AliasName')).length, 11);
  });

  it('grants: create (and the same named grant again), list by key / grantee / id, retirable, retire by token and id, revoke', async () => {
    const k = ((await call('CreateKey', {}))['KeyMetadata'] as { KeyId: string }).KeyId;
    const retirer = 'arn:aws:iam::111122223333:role/retirer';
    const made: { GrantId: string; GrantToken: string }[] = [];
    for (let i = 0; i < 23; i++) {
      now += 1;
      made.push((await call('CreateGrant', { KeyId: k, GranteePrincipal: `arn:aws:iam::111122223333:role/g${i % 2}`, RetiringPrincipal: retirer, Operations: ['Encrypt'], Name: `grant-${i}` })) as { GrantId: string; GrantToken: string });
    }
    const again = (await call('CreateGrant', { KeyId: k, GranteePrincipal: 'arn:aws:iam::111122223333:role/g0', RetiringPrincipal: retirer, Operations: ['Encrypt'], Name: 'grant-0' })) as { GrantId: string };
    assert.equal(again.GrantId, made[0]?.GrantId, 'same name and parameters -> the same grant');
    const ids = made.map((g) => g.GrantId);
    assert.deepEqual(await pages('ListGrants', 'Grants', { KeyId: k, Limit: 10 }, 'GrantId'), ids);
    assert.deepEqual(await pages('ListGrants', 'Grants', { KeyId: k, GranteePrincipal: 'arn:aws:iam::111122223333:role/g1', Limit: 4 }, 'GrantId'), ids.filter((_, i) => i % 2 === 1));
    assert.deepEqual(await pages('ListGrants', 'Grants', { KeyId: k, GrantId: ids[5] }, 'GrantId'), [ids[5]]);
    assert.deepEqual(await pages('ListRetirableGrants', 'Grants', { RetiringPrincipal: retirer, Limit: 7 }, 'GrantId'), ids);
    await call('RetireGrant', { GrantToken: made[1]?.GrantToken });
    await call('RetireGrant', { KeyId: k, GrantId: ids[2] });
    await call('RevokeGrant', { KeyId: k, GrantId: ids[3] });
    assert.deepEqual(await pages('ListGrants', 'Grants', { KeyId: k }, 'GrantId'), ids.filter((_, i) => i < 1 || i > 3));
    const gone = await kms.invoke('RetireGrant', { GrantToken: made[1]?.GrantToken });
    assert.equal(gone.ok ? 'ok' : gone.type, 'InvalidGrantTokenException');
    assert.equal(inner.countGrants(k), 20);
  });

  it('a deleted key takes its aliases, grants and grant count with it', async () => {
    const k = ((await call('CreateKey', {}))['KeyMetadata'] as { KeyId: string }).KeyId;
    await call('CreateAlias', { AliasName: 'alias/going', TargetKeyId: k });
    await call('CreateGrant', { KeyId: k, GranteePrincipal: 'arn:aws:iam::111122223333:role/g', Operations: ['Decrypt'] });
    inner.deleteKey(k);
    assert.equal(inner.countGrants(k), 0);
    assert.equal(inner.getAlias('alias/going'), undefined);
  });
});
