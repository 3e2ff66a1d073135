/**
 * The fault-injecting PKCS#11 shim itself (test/support/pkcs11-shim/fault-shim.c), driven through pkcs11js directly
 * over a real SoftHSM2 token: 'ok' forwards (a key imported with known bytes by pkcs11-tool encrypts, and node:crypto
 * decrypts what came out), 'device-error' answers CKR_DEVICE_ERROR (0x30) to C_Encrypt and C_Decrypt while their Init
 * still works, a delay holds the native call back at least that long and then forwards, and what the control file
 * says otherwise forwards, calls from several pool threads at once each get the fault or the right answer, and a worker
 * thread and a child process given `env` obey the same control file; a target that cannot be loaded is refused.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { Worker } from 'node:worker_threads';
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
  // With no arguments SoftHSM turns its locking off ("no concurrent access by multiple threads", SoftHSM.cpp), and
  // the tests below call it from libuv's pool and a worker thread at once: that crashed the process (SIGSEGV).
  p.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
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

test('fault shim: delay-init 300 -> C_EncryptInit and C_GenerateRandom take at least 300 ms each, C_Encrypt does not wait; then forwards', { skip: missing }, async () => {
  const s = session();
  shim.set({ initDelayMs: 300 });
  let started = performance.now();
  const iv = p.C_GenerateRandom(s, Buffer.alloc(12));
  assert.ok(performance.now() - started >= 300, 'C_GenerateRandom waited');
  started = performance.now();
  p.C_EncryptInit(s, gcm(iv), keyHandle(s));
  assert.ok(performance.now() - started >= 300, 'C_EncryptInit waited');
  const plaintext = Buffer.from('set up late, sealed right');
  const sealed = p.C_Encrypt(s, plaintext, Buffer.alloc(plaintext.length + 16));
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

test('fault shim: 8 concurrent C_EncryptAsync on libuv\'s pool -> device-error fails each with 0x30; delay 100 then each forwards the right ciphertext', { skip: missing }, async () => {
  shim.set('device-error');
  const failed = await Promise.allSettled(Array.from({ length: 8 }, () => encrypt(Buffer.from('x'))));
  for (const r of failed) assert.ok(r.status === 'rejected' && isDeviceError(r.reason), String(r.status === 'rejected' ? r.reason : 'fulfilled'));
  shim.set({ delayMs: 100 });
  const plaintexts = Array.from({ length: 8 }, (_, i) => Buffer.from(`concurrent ${i}`));
  const sealed = await Promise.all(plaintexts.map((pt) => encrypt(pt)));
  shim.set('ok');
  sealed.forEach(({ iv, sealed: out }, i) => assert.deepEqual(openWithNodeCrypto(iv, out), plaintexts[i]));
});

/** In a worker thread: the shim loaded again (same library, already initialised), C_Encrypt's answer posted back. */
const WORKER_SCRIPT = `
  const { parentPort, workerData } = require('node:worker_threads');
  const pkcs11js = require('pkcs11js');
  const p = new pkcs11js.PKCS11();
  p.load(workerData.module);
  try { p.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK }); } catch (e) { if (e.code !== pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED) throw e; }
  const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === workerData.label);
  const s = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
  p.C_FindObjectsInit(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY }]);
  const [key] = p.C_FindObjects(s, 1);
  p.C_FindObjectsFinal(s);
  p.C_EncryptInit(s, { mechanism: pkcs11js.CKM_AES_GCM, parameter: { type: pkcs11js.CK_PARAMS_AES_GCM, iv: Buffer.alloc(12, 2), ivBits: 96, tagBits: 128 } }, key);
  let answer;
  try { p.C_Encrypt(s, Buffer.from('x'), Buffer.alloc(17)); answer = 'forwarded'; } catch (e) { answer = 'code ' + e.code; }
  p.C_CloseSession(s);
  parentPort.postMessage(answer);
`;

function inWorker(): Promise<string> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_SCRIPT, { eval: true, workerData: { module: shim.modulePath, label: token.tokenLabel } });
    w.once('message', (m: string) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`worker exited ${code} without an answer`)));
  });
}

test('fault shim: a worker thread loading the shim -> its synchronous C_Encrypt gets device-error, then forwards once ok', { skip: missing }, async () => {
  shim.set('device-error');
  assert.equal(await inWorker(), `code ${DEVICE_ERROR}`);
  shim.set('ok');
  assert.equal(await inWorker(), 'forwarded');
});

test('fault shim: a child process given env -> its C_Encrypt obeys the same control file', { skip: missing }, () => {
  shim.set('device-error');
  const script = `
    const pkcs11js = require('pkcs11js');
    const p = new pkcs11js.PKCS11();
    p.load(process.argv[1]);
    p.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
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

test('fault shim: XKS_PKCS11_SHIM_TARGET names no library -> loading the shim fails, stderr names the target and nothing else', { skip: missing }, () => {
  const script = `
    const p = new (require('pkcs11js').PKCS11)();
    try { p.load(process.argv[1]); console.log('loaded'); } catch (e) { console.log('refused'); }
  `;
  const child = spawnSync(process.execPath, ['-e', script, shim.modulePath], { env: { ...process.env, ...shim.env, XKS_PKCS11_SHIM_TARGET: '/nonexistent/libhsm.so' }, encoding: 'utf8' });
  assert.equal(child.stdout.trim(), 'refused');
  assert.match(child.stderr, /^fault-shim: cannot load \/nonexistent\/libhsm\.so: .*\n$/);
});

test('fault shim: control text -> one line per mode; a delay that is not a whole number of ms up to 600000 is refused', () => {
  assert.equal(controlText('ok'), '');
  assert.equal(controlText('device-error'), 'device-error\n');
  assert.equal(controlText({ delayMs: 400 }), 'delay 400\n');
  assert.equal(controlText({ initDelayMs: 250 }), 'delay-init 250\n');
  assert.equal(controlText('corrupt-decrypt'), 'corrupt-decrypt\n');
  assert.throws(() => controlText({ initDelayMs: -3 }), RangeError);
  for (const delayMs of [-1, 1.5, Number.NaN, 600_001]) assert.throws(() => controlText({ delayMs }), RangeError);
});
