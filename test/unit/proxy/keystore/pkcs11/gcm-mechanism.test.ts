/**
 * The three IV behaviours of `ivGeneration` (src/proxy/keystore/pkcs11/gcm-mechanism.ts), with C_Encrypt's output
 * written as each kind of HSM writes it: the parts come back as views into the one buffer that crosses back, the IV
 * where the HSM put it, and a missing IV or an output of the wrong length is refused (HsmIvError), never used.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gcmEncryptLayout, HsmIvError, placeGcmOutput } from '../../../../../src/proxy/keystore/pkcs11/gcm-mechanism.js';

const plaintextBytes = 5;
const ct = Buffer.from('CTCTC');
const tag = Buffer.from('TAGTAGTAGTAGTAG!');
const hsmIv = Buffer.from('HSM-made-IV!');
const text = (u: Uint8Array) => Buffer.from(u).toString();

/** The buffer C_Encrypt writes into after its first 12 bytes, filled the way the HSM would. */
function encryptedInto(outputBytes: number, output: Buffer): Buffer {
  const sealed = Buffer.alloc(12 + outputBytes);
  output.copy(sealed, 12);
  return sealed;
}

test('proxy: the IV the proxy drew goes in front; ciphertext and tag are views of the same buffer', () => {
  const drawn = Buffer.from('proxy-drawn!');
  const layout = gcmEncryptLayout('proxy', plaintextBytes, () => drawn);
  assert.equal(layout.outputBytes, plaintextBytes + 16);
  const sealed = encryptedInto(layout.outputBytes, Buffer.concat([ct, tag]));
  const parts = placeGcmOutput('proxy', layout, sealed, layout.outputBytes, plaintextBytes);
  assert.deepEqual([text(parts.iv), text(parts.ciphertext), text(parts.tag)], ['proxy-drawn!', 'CTCTC', 'TAGTAGTAGTAGTAG!']);
  for (const part of [parts.iv, parts.ciphertext, parts.tag]) assert.equal(part.buffer, sealed.buffer);
});

test('hsm-zero-iv: a zero IV goes in and the HSM writes its IV there (CloudHSM, nShield); left zero -> refused', () => {
  const layout = gcmEncryptLayout('hsm-zero-iv', plaintextBytes, () => assert.fail('the proxy draws no IV'));
  assert.deepEqual([...layout.ivIn], new Array(12).fill(0));
  const sealed = encryptedInto(layout.outputBytes, Buffer.concat([ct, tag]));
  assert.throws(() => placeGcmOutput('hsm-zero-iv', layout, Buffer.from(sealed), layout.outputBytes, plaintextBytes), (e: unknown) => e instanceof HsmIvError && /no IV/.test(e.message));
  hsmIv.copy(layout.ivIn);
  const parts = placeGcmOutput('hsm-zero-iv', layout, sealed, layout.outputBytes, plaintextBytes);
  assert.deepEqual([text(parts.iv), text(parts.ciphertext), text(parts.tag)], ['HSM-made-IV!', 'CTCTC', 'TAGTAGTAGTAGTAG!']);
});

test('hsm-iv-after-tag: no IV goes in, the HSM appends it after the tag (Luna); it is moved in front', () => {
  const layout = gcmEncryptLayout('hsm-iv-after-tag', plaintextBytes, () => assert.fail('the proxy draws no IV'));
  assert.equal(layout.ivIn.length, 0);
  assert.equal(layout.outputBytes, plaintextBytes + 16 + 12);
  const sealed = encryptedInto(layout.outputBytes, Buffer.concat([ct, tag, hsmIv]));
  const parts = placeGcmOutput('hsm-iv-after-tag', layout, sealed, layout.outputBytes, plaintextBytes);
  assert.deepEqual([text(parts.iv), text(parts.ciphertext), text(parts.tag)], ['HSM-made-IV!', 'CTCTC', 'TAGTAGTAGTAGTAG!']);
});

test('an output of another length than the ivGeneration expects -> HsmIvError naming ivGeneration', () => {
  const layout = gcmEncryptLayout('hsm-iv-after-tag', plaintextBytes, () => Buffer.alloc(0));
  const sealed = encryptedInto(layout.outputBytes, Buffer.concat([ct, tag]));
  assert.throws(() => placeGcmOutput('hsm-iv-after-tag', layout, sealed, plaintextBytes + 16, plaintextBytes), (e: unknown) => e instanceof HsmIvError && /check ivGeneration/.test(e.message));
});
