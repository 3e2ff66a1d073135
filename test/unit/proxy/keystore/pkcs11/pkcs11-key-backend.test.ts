/**
 * The PKCS#11 backend against real SoftHSM2 tokens (one per test, own SOFTHSM2_CONF): interoperability with the key
 * files' code path for known key bytes, a pool of 4 under 200 concurrent Encrypts, the token directory pulled away
 * and put back (no crash, InternalException, recovery without restart), and the fault-injecting shim library over the
 * real one (test/support/pkcs11-fault-shim.ts: the faults happen inside the native C_Encrypt, whichever thread calls)
 * for device errors and a slow HSM (DependencyTimeoutException within the deadline, counted; the event loop free).
 */
import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import { test } from 'node:test';
import { createAesGcmEngine, TagMismatchError } from '../../../../../src/crypto/aes-gcm.js';
import { secureRandomBytes } from '../../../../../src/crypto/random.js';
import { DependencyTimeoutException, InternalException } from '../../../../../src/errors/xks-errors.js';
import { createFileKeyBackend } from '../../../../../src/proxy/keystore/file-key-backend.js';
import { createMemoryKeyStore } from '../../../../../src/proxy/keystore/key-store.js';
import type { Pkcs11Config } from '../../../../../src/proxy/keystore/pkcs11/pkcs11-config.js';
import type { Pkcs11KeyBackend } from '../../../../../src/proxy/keystore/pkcs11/pkcs11-key-backend.js';
import { faultShim, faultShimMissing, type FaultShim } from '../../../../support/pkcs11-fault-shim.js';
import { softHsmMissing, type SoftHsmToken } from '../../../../support/softhsm.js';
import { withToken } from '../../../../support/softhsm-backend.js';

const missing = softHsmMissing();
const shimMissing = faultShimMissing();
const AAD = Buffer.from('framed aad bytes');

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

test('pkcs11 without session copies: a cached handle gone stale (key deleted and made again under its label by pkcs11-tool) -> found again, the request succeeds', { skip: missing }, async () => {
  await withToken(async (token, open) => {
    token.keygen('again');
    const hsm = open({ keyCacheMs: 60_000, sessionCopies: false });
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

/** The backend opened on the shim library over this token's SoftHSM2; the shim set back to 'ok' afterwards. */
async function withShim(run: (shim: FaultShim, token: SoftHsmToken, open: (extra?: Partial<Pkcs11Config>) => Pkcs11KeyBackend) => Promise<void>): Promise<void> {
  const shim = faultShim();
  try {
    await withToken((token, open) => run(shim, token, (extra = {}) => open({ module: shim.modulePath, ...extra })));
  } finally {
    shim.cleanup();
  }
}

test('pkcs11: device error from the library -> InternalException, sessions discarded, re-initialised after backoff, serves again', { skip: shimMissing, timeout: 60_000 }, async () => {
  await withShim(async (shim, token, open) => {
    token.keygen('k');
    shim.set('device-error');
    const hsm = open();
    await assert.rejects(hsm.encrypt('k', 1, Buffer.from('x'), AAD), (e: unknown) => e instanceof InternalException && /unavailable; retry/.test(e.message));
    assert.equal(hsm.stats().deviceErrors, 1);
    assert.equal(hsm.stats().sessionsOpen, 0, 'sessions discarded');
    shim.set('ok');
    await waitFor('recovered', () => hsm.encrypt('k', 1, Buffer.from('x'), AAD).then(() => true, () => false));
    assert.equal(hsm.stats().reinitializations, 1);
  });
});

test('pkcs11: an HSM slower than callTimeoutMs -> DependencyTimeoutException at the deadline, counted; the session comes back afterwards', { skip: shimMissing, timeout: 60_000 }, async () => {
  await withShim(async (shim, token, open) => {
    token.keygen('k');
    const hsm = open({ callTimeoutMs: 50, sessions: 1 });
    await hsm.getKey('k');
    shim.set({ delayMs: 400 });
    await assert.rejects(hsm.encrypt('k', 1, Buffer.from('x'), AAD), DependencyTimeoutException);
    // The one session is still held by the slow call: the next request waits for it, then times out too.
    await assert.rejects(hsm.encrypt('k', 1, Buffer.from('x'), AAD), DependencyTimeoutException);
    assert.equal(hsm.stats().deadlineExceeded, 2);
    await waitFor('session back in the pool', async () => hsm.stats().sessionsInUse === 0);
  });
});

const STUCK_CALLS = [
  { calls: 'a C_Encrypt stuck 400 ms', mode: { delayMs: 400 } },
  { calls: 'C_GenerateRandom and C_EncryptInit stuck 400 ms each (an operation set-up runs in the HSM threads too)', mode: { initDelayMs: 400 } },
] as const;

for (const { calls, mode } of STUCK_CALLS) {
  test(`pkcs11: ${calls} in the library, callTimeoutMs 50 -> the event loop keeps turning until the DependencyTimeoutException`, { skip: shimMissing, timeout: 60_000 }, async () => {
    await withShim(async (shim, token, open) => {
      token.keygen('k');
      const hsm = open({ callTimeoutMs: 50, sessions: 1 });
      await hsm.getKey('k');
      shim.set(mode);
      // A setImmediate chain counts the loop's turns: a call holding the main thread would stop it until the call ends.
      let turns = 0;
      let spinning = true;
      const spin = (): void => {
        if (!spinning) return;
        turns++;
        setImmediate(spin);
      };
      setImmediate(spin);
      try {
        await assert.rejects(hsm.encrypt('k', 1, Buffer.from('x'), AAD), DependencyTimeoutException);
      } finally {
        spinning = false;
      }
      assert.ok(turns > 10, `the event loop turned ${turns} times before the deadline error`);
      await waitFor('session back in the pool', async () => hsm.stats().sessionsInUse === 0);
    });
  });
}
