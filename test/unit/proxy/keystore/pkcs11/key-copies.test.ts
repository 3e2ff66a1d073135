/**
 * Session copies of token keys (src/proxy/keystore/pkcs11/key-copies.ts, key-cache.ts) on real SoftHSM2 tokens: the
 * cipher calls use the copy (a key deleted in the token is still served until keyCacheMs passes, then it is not
 * found); replaced copies are destroyed, so the library holds one or two per key however long the proxy runs, and
 * never a token key; a key the HSM will not copy (CKA_COPYABLE false) is used as the token object; with
 * `sessionCopies: false` the token object serves and a deleted key is refused at once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyNotFoundException } from '../../../../../src/errors/xks-errors.js';
import { loadPkcs11Binding, type Pkcs11, type Pkcs11Handle } from '../../../../../src/proxy/keystore/pkcs11/load-binding.js';
import { softHsmMissing, type SoftHsmToken } from '../../../../support/softhsm.js';
import { withToken } from '../../../../support/softhsm-backend.js';

const missing = softHsmMissing();
const AAD = Buffer.from('aad');
const binding = missing === undefined ? loadPkcs11Binding() : undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A session of this process on the token (the backend initialised the library already; never finalised here). */
function ownSession(token: SoftHsmToken, run: (p: Pkcs11, session: Pkcs11Handle) => void, write = false): void {
  if (binding === undefined) throw new Error(missing);
  const p = new binding.PKCS11();
  p.load(token.module);
  const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === token.tokenLabel);
  if (slot === undefined) throw new Error(`no token ${token.tokenLabel}`);
  const session = p.C_OpenSession(slot, binding.CKF_SERIAL_SESSION | (write ? binding.CKF_RW_SESSION : 0));
  try {
    run(p, session);
  } finally {
    p.C_CloseSession(session);
  }
}

/** Secret keys visible to this process: the token's (CKA_TOKEN true) or the session objects (false). */
function countKeys(token: SoftHsmToken, onToken: boolean): number {
  let n = 0;
  ownSession(token, (p, session) => {
    if (binding === undefined) return;
    p.C_FindObjectsInit(session, [
      { type: binding.CKA_CLASS, value: binding.CKO_SECRET_KEY },
      { type: binding.CKA_TOKEN, value: onToken },
    ]);
    n = p.C_FindObjects(session, 100).length;
    p.C_FindObjectsFinal(session);
  });
  return n;
}

test('session copies (default): a key deleted in the token is served from the copy until keyCacheMs, then not found; replaced copies are destroyed, token keys never', { skip: missing, timeout: 60_000 }, async () => {
  await withToken(async (token, open) => {
    token.keygen('c');
    token.keygen('other');
    const hsm = open({ keyCacheMs: 300 });
    const sealed = await hsm.encrypt('c', 1, Buffer.from('one'), AAD);
    assert.equal(hsm.stats().keyCopies, 1);
    assert.equal(countKeys(token, false), 1, 'one session copy in the library');

    token.deleteKey('c');
    assert.deepEqual(Buffer.from(await hsm.decrypt('c', 1, sealed, AAD)).toString(), 'one', 'the copy serves within keyCacheMs');
    await sleep(350);
    await assert.rejects(hsm.encrypt('c', 1, Buffer.from('two'), AAD), KeyNotFoundException);

    token.keygen('c');
    for (let i = 0; i < 8; i++) {
      await hsm.encrypt('c', 1, Buffer.from(`round ${i}`), AAD);
      await hsm.encrypt('other', 1, Buffer.from(`round ${i}`), AAD);
      await sleep(320); // past keyCacheMs: the next call finds the key again and copies it anew
    }
    await hsm.encrypt('c', 1, Buffer.from('last'), AAD);
    await hsm.encrypt('other', 1, Buffer.from('last'), AAD);
    const copies = countKeys(token, false);
    assert.ok(copies >= 2 && copies <= 4, `a copy or two per key in the library after 9 refreshes, not one per refresh: ${copies}`);
    assert.equal(hsm.stats().keyCopies, copies);
    assert.equal(countKeys(token, true), 2, 'both token keys are still there');
  });
});

test('a key the HSM will not copy (CKA_COPYABLE false) -> served through the token object, no copy', { skip: missing, timeout: 60_000 }, async () => {
  await withToken(async (token, open) => {
    token.keygen('warm-up'); // the backend initialises the library; the uncopyable key is then made in this process
    const hsm = open();
    await hsm.encrypt('warm-up', 1, Buffer.from('x'), AAD);
    ownSession(
      token,
      (p, session) => {
        if (binding === undefined) return;
        p.C_GenerateKey(session, { mechanism: binding.CKM_AES_KEY_GEN }, [
          { type: binding.CKA_CLASS, value: binding.CKO_SECRET_KEY },
          { type: binding.CKA_KEY_TYPE, value: binding.CKK_AES },
          { type: binding.CKA_VALUE_LEN, value: 32 },
          { type: binding.CKA_LABEL, value: 'fixed' },
          { type: binding.CKA_TOKEN, value: true },
          { type: binding.CKA_PRIVATE, value: true },
          { type: binding.CKA_SENSITIVE, value: true },
          { type: binding.CKA_ENCRYPT, value: true },
          { type: binding.CKA_DECRYPT, value: true },
          { type: binding.CKA_COPYABLE, value: false },
        ]);
      },
      true,
    );
    const copiesBefore = hsm.stats().keyCopies ?? 0;
    const sealed = await hsm.encrypt('fixed', 1, Buffer.from('uncopied'), AAD);
    assert.equal(Buffer.from(await hsm.decrypt('fixed', 1, sealed, AAD)).toString(), 'uncopied');
    assert.equal(hsm.stats().keyCopies, copiesBefore, 'no copy made of the uncopyable key');
  });
});

test('sessionCopies false -> no copy; a key deleted in the token is refused at once', { skip: missing, timeout: 60_000 }, async () => {
  await withToken(async (token, open) => {
    token.keygen('plain');
    const hsm = open({ sessionCopies: false, keyCacheMs: 60_000 });
    await hsm.encrypt('plain', 1, Buffer.from('x'), AAD);
    assert.equal(hsm.stats().keyCopies, 0);
    assert.equal(countKeys(token, false), 0);
    token.deleteKey('plain');
    await assert.rejects(hsm.encrypt('plain', 1, Buffer.from('y'), AAD), KeyNotFoundException);
  });
});
