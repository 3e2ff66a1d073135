/**
 * The fault-injecting PKCS#11 shim itself (test/support/pkcs11-shim/fault-shim.c), driven through pkcs11js directly
 * over a real SoftHSM2 token: 'ok' forwards (a key imported with known bytes by pkcs11-tool encrypts, and node:crypto
 * decrypts what came out), 'device-error' answers CKR_DEVICE_ERROR (0x30) to C_Encrypt and C_Decrypt while their Init
 * still works, a delay holds the native call back at least that long and then forwards, and what the control file
 * says otherwise forwards. A child process given `env` obeys the same control file.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import type * as Pkcs11Js from 'pkcs11js';
import { controlText, faultShim, faultShimMissing, type FaultShim } from '../support/pkcs11-fault-shim.js';
import { createSoftHsmToken, type SoftHsmToken } from '../support/softhsm.js';

const missing = faultShimMissing();
const pkcs11js = createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11Js;
const DEVICE_ERROR = 0x30;
const LABEL = 'shim-key';
const AAD = Buffer.from('aad of the shim test');

let token: SoftHsmToken;
let shim: FaultShim;
let p: Pkcs11Js.PKCS11;
let slot: Buffer;
let material: Buffer;

before(() => {
  if (missing !== undefined) return;
  token = createSoftHsmToken();
  process.env['SOFTHSM2_CONF'] = token.conf;
  material = randomBytes(32);
  token.importKey(LABEL, material);
  shim = faultShim();
  p = new pkcs11js.PKCS11();
  p.load(shim.modulePath);
  p.C_Initialize();
  const found = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === token.tokenLabel);
  assert.ok(found !== undefined, 'the SoftHSM token is seen through the shim');
  slot = found;
  const login = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
  p.C_Login(login, pkcs11js.CKU_USER, token.pin);
});

after(() => {
  if (missing !== undefined) return;
  shim.cleanup();
  p.C_Finalize();
  p.close();
  token.cleanup();
});

/** A fresh session each time: a call the shim failed leaves its operation active in the session. */
function session(): Buffer {
  return p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
}

function keyHandle(s: Buffer): Buffer {
  p.C_FindObjectsInit(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY }, { type: pkcs11js.CKA_LABEL, value: LABEL }]);
  const [key] = p.C_FindObjects(s, 1);
  p.C_FindObjectsFinal(s);
  assert.ok(key !== undefined, `key ${LABEL} found`);
  return key;
}

function gcm(iv: Buffer): Pkcs11Js.Mechanism {
  const parameter: Pkcs11Js.GcmParams = { type: pkcs11js.CK_PARAMS_AES_GCM, iv, ivBits: 96, aad: AAD, tagBits: 128 };
  return { mechanism: pkcs11js.CKM_AES_GCM, parameter };
}

/** C_EncryptInit then C_EncryptAsync (libuv's pool, as the proxy calls it): the ciphertext || tag and the IV. */
async function encrypt(plaintext: Buffer): Promise<{ iv: Buffer; sealed: Buffer }> {
  const s = session();
  const iv = randomBytes(12);
  p.C_EncryptInit(s, gcm(iv), keyHandle(s));
  const sealed = await p.C_EncryptAsync(s, plaintext, Buffer.alloc(plaintext.length + 16));
  return { iv, sealed: Buffer.from(sealed) };
}

async function decrypt(iv: Buffer, sealed: Buffer): Promise<Buffer> {
  const s = session();
  p.C_DecryptInit(s, gcm(iv), keyHandle(s));
  return Buffer.from(await p.C_DecryptAsync(s, sealed, Buffer.alloc(sealed.length)));
}

function openWithNodeCrypto(iv: Buffer, sealed: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', material, iv);
  d.setAAD(AAD);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
}

const isDeviceError = (e: unknown): boolean => (e as { code?: unknown }).code === DEVICE_ERROR && /CKR_DEVICE_ERROR/.test(String(e));

test('fault shim: ok -> C_Encrypt forwarded to SoftHSM (node:crypto opens its output), C_Decrypt forwarded', { skip: missing }, async () => {
  shim.set('ok');
  const plaintext = randomBytes(100);
  const { iv, sealed } = await encrypt(plaintext);
  assert.deepEqual(openWithNodeCrypto(iv, sealed), plaintext);
  assert.deepEqual(await decrypt(iv, sealed), plaintext);
});

test('fault shim: device-error -> C_Encrypt and C_Decrypt fail with CKR_DEVICE_ERROR (0x30), their Init still works; ok again -> served', { skip: missing }, async () => {
  shim.set('ok');
  const { iv, sealed } = await encrypt(Buffer.from('before'));
  shim.set('device-error');
  await assert.rejects(encrypt(Buffer.from('x')), isDeviceError);
  await assert.rejects(decrypt(iv, sealed), isDeviceError);
  // The synchronous entry points fail the same way (the wrapper is the function list's C_Encrypt, not pkcs11js's).
  const s = session();
  p.C_EncryptInit(s, gcm(randomBytes(12)), keyHandle(s));
  assert.throws(() => p.C_Encrypt(s, Buffer.from('x'), Buffer.alloc(17)), isDeviceError);
  shim.set('ok');
  assert.deepEqual((await decrypt(iv, sealed)).toString(), 'before');
});

test('fault shim: delay 300 -> the native call takes at least 300 ms, then forwards', { skip: missing }, async () => {
  shim.set({ delayMs: 300 });
  const plaintext = Buffer.from('late but right');
  const started = performance.now();
  const { iv, sealed } = await encrypt(plaintext);
  const took = performance.now() - started;
  // A lower bound only: the sleep guarantees it, a busy machine can only add to it.
  assert.ok(took >= 300, `took ${took.toFixed(0)} ms`);
  shim.set('ok');
  assert.deepEqual(openWithNodeCrypto(iv, sealed), plaintext);
});

test('fault shim: unknown or malformed control content ("delay", "delay 12x", "device-errors", noise) -> forwarded', { skip: missing }, async () => {
  for (const content of ['delay', 'delay 12x', 'delay -5', 'device-errors', 'DEVICE-ERROR', 'x'.repeat(100)]) {
    writeFileSync(shim.controlFile, content);
    const plaintext = Buffer.from(content);
    const { iv, sealed } = await encrypt(plaintext);
    assert.deepEqual(openWithNodeCrypto(iv, sealed), plaintext, JSON.stringify(content));
  }
  shim.set('ok');
});

test('fault shim: a child process given env -> its C_Encrypt obeys the same control file', { skip: missing }, () => {
  shim.set('device-error');
  const script = `
    const pkcs11js = require('pkcs11js');
    const p = new pkcs11js.PKCS11();
    p.load(process.argv[1]);
    p.C_Initialize();
    const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === process.argv[2]);
    const s = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    p.C_Login(s, pkcs11js.CKU_USER, process.argv[3]);
    p.C_FindObjectsInit(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY }]);
    const [key] = p.C_FindObjects(s, 1);
    p.C_FindObjectsFinal(s);
    p.C_EncryptInit(s, { mechanism: pkcs11js.CKM_AES_GCM, parameter: { type: pkcs11js.CK_PARAMS_AES_GCM, iv: Buffer.alloc(12, 1), ivBits: 96, tagBits: 128 } }, key);
    try { p.C_Encrypt(s, Buffer.from('x'), Buffer.alloc(17)); console.log('forwarded'); } catch (e) { console.log('code ' + e.code); }
    p.C_Finalize();
  `;
  const run = () => execFileSync(process.execPath, ['-e', script, shim.modulePath, token.tokenLabel, token.pin], { env: { ...process.env, ...token.env, ...shim.env }, cwd: process.cwd(), encoding: 'utf8' }).trim();
  assert.equal(run(), `code ${DEVICE_ERROR}`);
  shim.set('ok');
  assert.equal(run(), 'forwarded');
});

test('fault shim: control text -> one line per mode; a delay that is not a whole number of ms up to 600000 is refused', () => {
  assert.equal(controlText('ok'), '');
  assert.equal(controlText('device-error'), 'device-error\n');
  assert.equal(controlText({ delayMs: 400 }), 'delay 400\n');
  for (const delayMs of [-1, 1.5, Number.NaN, 600_001]) assert.throws(() => controlText({ delayMs }), RangeError);
});
