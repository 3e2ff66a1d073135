/**
 * The HSM threads (src/proxy/keystore/pkcs11/hsm-threads.ts): calls cross to a thread and back with their data
 * moved, not shared; a real SoftHSM2 token encrypts and decrypts there with the event loop's session; a thread that
 * cannot load its library fails its calls with HsmThreadError (the backend's device-error path), never a hang.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFailure, rebuildFailure } from '../../../../../src/proxy/keystore/pkcs11/hsm-call.js';
import { HsmThreadError, packedChoice, startHsmThreads } from '../../../../../src/proxy/keystore/pkcs11/hsm-threads.js';
import { HsmIvError } from '../../../../../src/proxy/keystore/pkcs11/gcm-mechanism.js';
import { loadPkcs11Binding } from '../../../../../src/proxy/keystore/pkcs11/load-binding.js';
import { ckrOf } from '../../../../../src/proxy/keystore/pkcs11/ckr.js';
import { createSoftHsmToken, softHsmMissing } from '../../../../support/softhsm.js';

const missing = softHsmMissing();

test('packedChoice: the first idle thread, or the first with one call handed over under 2 ms ago; never behind a slow call or two', () => {
  const now = 1000;
  assert.equal(packedChoice([{ waiting: 0, oldestAt: now }, { waiting: 0, oldestAt: now }], now), 0);
  assert.equal(packedChoice([{ waiting: 1, oldestAt: now - 0.5 }, { waiting: 0, oldestAt: now }], now), 0, 'a fast call: the next one waits behind it, one wake-up for both');
  assert.equal(packedChoice([{ waiting: 1, oldestAt: now - 5 }, { waiting: 0, oldestAt: now }], now), 1, 'a call running 5 ms (slow or stuck): not behind it');
  assert.equal(packedChoice([{ waiting: 2, oldestAt: now }, { waiting: 1, oldestAt: now - 1 }, { waiting: 0, oldestAt: now }], now), 1);
  assert.equal(packedChoice([{ waiting: 2, oldestAt: now }, { waiting: 1, oldestAt: now - 3 }], now), -1, 'none: the caller takes the least busy');
  assert.equal(packedChoice([], now), -1);
});

test('describeFailure/rebuildFailure: a CKR code and our IV error survive the crossing, with nothing but a message', () => {
  const ckr = rebuildFailure(describeFailure(Object.assign(new Error('CKR_DEVICE_ERROR:48\n at native'), { code: 0x30 })));
  assert.equal(ckrOf(ckr), 0x30);
  assert.equal(ckr.message, 'CKR_DEVICE_ERROR:48');
  assert.ok(rebuildFailure(describeFailure(new HsmIvError('the HSM returned no IV'))) instanceof HsmIvError);
  assert.equal(ckrOf(rebuildFailure(describeFailure(new TypeError('bad argument')))), undefined);
});

test('startHsmThreads: a library that cannot be loaded -> ready resolves, every call fails with HsmThreadError (no hang)', { timeout: 60_000 }, async () => {
  const threads = startHsmThreads({ modulePath: '/nonexistent/libnothing.so', count: 2 });
  try {
    await threads.ready;
    const call = threads.run({ kind: 'random', session: new Uint8Array(8), bytes: 16 });
    await assert.rejects(call, (e: unknown) => e instanceof HsmThreadError && /HSM thread (failed|exited)/.test(e.message));
    assert.equal(threads.stats().inFlight, 0);
  } finally {
    await threads.close();
  }
});

test('startHsmThreads: a real SoftHSM2 token, the event loop\'s session -> encrypt and decrypt run in the threads and round-trip; results arrive as buffers of their own', { skip: missing, timeout: 60_000 }, async () => {
  const token = createSoftHsmToken();
  process.env['SOFTHSM2_CONF'] = token.conf;
  token.keygen('k');
  const binding = loadPkcs11Binding();
  const p = new binding.PKCS11();
  p.load(token.module);
  p.C_Initialize({ flags: binding.CKF_OS_LOCKING_OK });
  const threads = startHsmThreads({ modulePath: token.module, count: 2 });
  try {
    const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === token.tokenLabel);
    assert.ok(slot !== undefined);
    const session = p.C_OpenSession(slot, binding.CKF_SERIAL_SESSION | binding.CKF_RW_SESSION);
    p.C_Login(session, binding.CKU_USER, token.pin);
    p.C_FindObjectsInit(session, [{ type: binding.CKA_LABEL, value: 'k' }]);
    const [key] = p.C_FindObjects(session, 1);
    p.C_FindObjectsFinal(session);
    assert.ok(key !== undefined);
    await threads.ready;
    assert.equal(threads.stats().threads, 2);
    const aad = Buffer.from('framed aad');
    const plaintext = Buffer.from('a plaintext that crosses to an HSM thread');
    const sealed = await threads.run({ kind: 'encrypt', session, key, ivGeneration: 'proxy', plaintext, aad });
    assert.equal(sealed.kind, 'encrypt');
    if (sealed.kind !== 'encrypt') return;
    assert.equal(sealed.iv.length, 12);
    assert.equal(sealed.tag.length, 16);
    assert.equal(sealed.ciphertext.length, plaintext.length);
    assert.equal(sealed.ciphertext.buffer, sealed.tag.buffer);
    assert.equal(sealed.ciphertext.buffer.byteLength, 12 + plaintext.length + 16, 'the IV, ciphertext and tag came back in one buffer of their own');
    assert.equal(plaintext.toString(), 'a plaintext that crosses to an HSM thread', 'the caller\'s plaintext is left alone (the thread wiped its own copy)');
    const opened = await threads.run({ kind: 'decrypt', session, key, iv: sealed.iv, ciphertext: sealed.ciphertext, tag: sealed.tag, aad });
    assert.equal(opened.kind, 'decrypt');
    if (opened.kind === 'decrypt') assert.equal(Buffer.from(opened.plaintext).toString(), plaintext.toString());
    const tampered = Uint8Array.from(sealed.tag, (b, i) => (i === 0 ? b ^ 1 : b));
    await assert.rejects(threads.run({ kind: 'decrypt', session, key, iv: sealed.iv, ciphertext: sealed.ciphertext, tag: tampered, aad }), (e: unknown) => ckrOf(e) !== undefined, 'a bad tag comes back as the library\'s CKR code');
    assert.equal(threads.stats().inFlight, 0);
    p.C_CloseSession(session);
  } finally {
    await threads.close();
    p.C_Finalize();
    token.cleanup();
  }
});
