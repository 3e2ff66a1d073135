/**
 * The PKCS#11 backend against real SoftHSM2 tokens (one per test, own SOFTHSM2_CONF): interoperability with the key
 * files' code path for known key bytes, a pool of 4 under 200 concurrent Encrypts, the token directory pulled away
 * and put back (no crash, InternalException, recovery without restart), and a fault-injecting shim over the real
 * library for device errors and a slow HSM (DependencyTimeoutException within the deadline, counted).
 */
import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import { test } from 'node:test';
import { createAesGcmEngine, TagMismatchError } from '../../../../../src/crypto/aes-gcm.js';
import { secureRandomBytes } from '../../../../../src/crypto/random.js';
import { DependencyTimeoutException, InternalException } from '../../../../../src/errors/xks-errors.js';
import { createFileKeyBackend } from '../../../../../src/proxy/keystore/file-key-backend.js';
import { createMemoryKeyStore } from '../../../../../src/proxy/keystore/key-store.js';
import { loadPkcs11Binding, type Pkcs11Binding } from '../../../../../src/proxy/keystore/pkcs11/load-binding.js';
import type { Pkcs11Config } from '../../../../../src/proxy/keystore/pkcs11/pkcs11-config.js';
import { openPkcs11KeyBackend, type Pkcs11KeyBackend } from '../../../../../src/proxy/keystore/pkcs11/pkcs11-key-backend.js';
import { createPkcs11Modules } from '../../../../../src/proxy/keystore/pkcs11/pkcs11-modules.js';
import { createSoftHsmToken, softHsmMissing, type SoftHsmToken } from '../../../../support/softhsm.js';

const missing = softHsmMissing();
const AAD = Buffer.from('framed aad bytes');

function configFor(token: SoftHsmToken, extra: Partial<Pkcs11Config> = {}): Pkcs11Config {
  return { module: token.module, tokenLabel: token.tokenLabel, pin: token.pin, pinSource: token.pinFile, ivGeneration: 'proxy', sessions: 4, threads: 4, callTimeoutMs: 200, keyCacheMs: 2000, ...extra };
}

async function withToken(run: (token: SoftHsmToken, open: (extra?: Partial<Pkcs11Config>, binding?: Pkcs11Binding) => Pkcs11KeyBackend) => Promise<void>): Promise<void> {
  const token = createSoftHsmToken();
  process.env['SOFTHSM2_CONF'] = token.conf;
  const opened: Pkcs11KeyBackend[] = [];
  try {
    await run(token, (extra = {}, binding) => {
      const b = openPkcs11KeyBackend(configFor(token, extra), binding === undefined ? {} : { modules: createPkcs11Modules(binding) });
      opened.push(b);
      return b;
    });
  } finally {
    for (const b of opened) await b.close();
    token.cleanup();
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('pkcs11: known key bytes imported with pkcs11-tool -> HSM ciphertext decrypts through the key files path, and the reverse', { skip: missing }, async () => {
  await withToken(async (token, open) => {
    const material = secureRandomBytes(32);
    token.importKey('interop', material);
    const hsm = open();
    const files = createFileKeyBackend(createMemoryKeyStore([{ externalKeyId: 'interop', keyUsage: ['ENCRYPT', 'DECRYPT'], keyStatus: 'ENABLED', versions: [{ version: 1, material }] }]), { engine: createAesGcmEngine('node'), random: secureRandomBytes });
    const plaintext = secureRandomBytes(6144);
    const fromHsm = await hsm.encrypt('interop', 1, plaintext, AAD);
    assert.deepEqual(Buffer.from(await files.decrypt('interop', 1, fromHsm, AAD)), Buffer.from(plaintext));
    const fromFiles = await files.encrypt('interop', 1, plaintext, AAD);
    assert.deepEqual(Buffer.from(await hsm.decrypt('interop', 1, fromFiles, AAD)), Buffer.from(plaintext));
    await assert.rejects(hsm.decrypt('interop', 1, { ...fromFiles, tag: Buffer.alloc(16) }, AAD), TagMismatchError);
  });
});

test('pkcs11: a cached handle gone stale (key deleted and made again under its label by pkcs11-tool) -> found again, the request succeeds', { skip: missing }, async () => {
  await withToken(async (token, open) => {
    token.keygen('again');
    const hsm = open({ keyCacheMs: 60_000 });
    const before = await hsm.encrypt('again', 1, Buffer.from('x'), AAD);
    token.deleteKey('again');
    token.keygen('again');
    // The cache still holds the old handle (keyCacheMs 60 s): C_EncryptInit gets CKR_OBJECT_HANDLE_INVALID, the key is
    // looked up again by label, and the new key answers; the old ciphertext no longer authenticates.
    const after = await hsm.encrypt('again', 1, Buffer.from('y'), AAD);
    assert.deepEqual(Buffer.from(await hsm.decrypt('again', 1, after, AAD)).toString(), 'y');
    await assert.rejects(hsm.decrypt('again', 1, before, AAD), TagMismatchError);
  });
});

test('pkcs11: 200 concurrent Encrypts through a pool of 4 sessions -> each succeeds or gets DependencyTimeoutException; never more than 4 sessions', { skip: missing }, async () => {
  await withToken(async (token, open) => {
    token.keygen('busy');
    const hsm = open({ sessions: 4 });
    let maxOpen = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, async () => {
        const out = await hsm.encrypt('busy', 1, Buffer.alloc(6144, 1), AAD);
        maxOpen = Math.max(maxOpen, hsm.stats().sessionsOpen ?? 0);
        return out;
      }),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    for (const f of failed) assert.ok(f.reason instanceof DependencyTimeoutException, String(f.reason));
    assert.ok(results.length - failed.length > 0, 'some Encrypts succeed');
    assert.ok(maxOpen <= 4, `sessions open: ${maxOpen}`);
    assert.equal(hsm.stats().deadlineExceeded, failed.length, 'every refusal is counted');
    // A call that ran past its deadline gives its session back when the HSM answers.
    await waitFor('every session back in the pool', async () => hsm.stats().sessionsInUse === 0);
  });
});

test('pkcs11: token directory pulled away under load -> InternalException (no crash, no hang), probe fails; put back -> serves again without restart', { skip: missing, timeout: 60_000 }, async () => {
  await withToken(async (token, open) => {
    token.keygen('k');
    const hsm = open({ keyCacheMs: 0 });
    await hsm.encrypt('k', 1, Buffer.from('before'), AAD);
    renameSync(token.tokenDir, `${token.tokenDir}.away`);
    const during = await Promise.allSettled(Array.from({ length: 20 }, () => hsm.encrypt('k', 1, Buffer.from('during'), AAD)));
    for (const r of during) {
      assert.equal(r.status, 'rejected');
      assert.ok(r.reason instanceof InternalException, String(r.reason));
      assert.match((r.reason as InternalException).message, /unavailable; retry/);
    }
    await assert.rejects(hsm.probe(), /unavailable/);
    assert.ok((hsm.stats().deviceErrors ?? 0) >= 1);
    assert.ok(hsm.stats().unavailableReason !== undefined);
    renameSync(`${token.tokenDir}.away`, token.tokenDir);
    await waitFor('the backend serves again', () => hsm.probe().then(() => true, () => false));
    const back = await hsm.encrypt('k', 1, Buffer.from('after'), AAD);
    assert.deepEqual(Buffer.from(await hsm.decrypt('k', 1, back, AAD)).toString(), 'after');
    assert.ok((hsm.stats().reinitializations ?? 0) >= 1);
    assert.equal(hsm.stats().unavailableReason, undefined);
  });
});

/** The real library with C_EncryptAsync replaced: a device error, or an answer after `delayMs`. */
function shim(mode: { fail?: () => boolean; delayMs?: number }): Pkcs11Binding {
  const real = loadPkcs11Binding();
  // pkcs11js installs its methods on each instance in its constructor, so the shim wraps the instance's.
  class FaultyPkcs11 extends real.PKCS11 {
    constructor() {
      super();
      const encrypt = this.C_EncryptAsync.bind(this);
      this.C_EncryptAsync = (session: Buffer, inData: Buffer, outData: Buffer): Promise<Buffer> => {
        if (mode.fail?.() === true) return Promise.reject(Object.assign(new Error('CKR_DEVICE_ERROR:48'), { code: 0x30 }));
        const answer = encrypt(session, inData, outData);
        return mode.delayMs === undefined ? answer : answer.then((b) => new Promise<Buffer>((r) => setTimeout(() => r(b), mode.delayMs)));
      };
    }
  }
  return { ...real, PKCS11: FaultyPkcs11 } as Pkcs11Binding;
}

test('pkcs11: device error from the library -> InternalException, sessions discarded, re-initialised after backoff, serves again', { skip: missing, timeout: 60_000 }, async () => {
  await withToken(async (token, open) => {
    token.keygen('k');
    let failing = true;
    const hsm = open({}, shim({ fail: () => failing }));
    await assert.rejects(hsm.encrypt('k', 1, Buffer.from('x'), AAD), (e: unknown) => e instanceof InternalException && /unavailable; retry/.test(e.message));
    assert.equal(hsm.stats().deviceErrors, 1);
    assert.equal(hsm.stats().sessionsOpen, 0, 'sessions discarded');
    failing = false;
    await waitFor('recovered', () => hsm.encrypt('k', 1, Buffer.from('x'), AAD).then(() => true, () => false));
    assert.equal(hsm.stats().reinitializations, 1);
  });
});

test('pkcs11: an HSM slower than callTimeoutMs -> DependencyTimeoutException at the deadline, counted; the session comes back afterwards', { skip: missing, timeout: 60_000 }, async () => {
  await withToken(async (token, open) => {
    token.keygen('k');
    const hsm = open({ callTimeoutMs: 50, sessions: 1 }, shim({ delayMs: 400 }));
    await hsm.getKey('k');
    await assert.rejects(hsm.encrypt('k', 1, Buffer.from('x'), AAD), DependencyTimeoutException);
    // The one session is still held by the slow call: the next request waits for it, then times out too.
    await assert.rejects(hsm.encrypt('k', 1, Buffer.from('x'), AAD), DependencyTimeoutException);
    assert.equal(hsm.stats().deadlineExceeded, 2);
    await waitFor('session back in the pool', async () => hsm.stats().sessionsInUse === 0);
  });
});
