import { GENERATED_IV_BYTES, TAG_BYTES } from '../../../crypto/aes-gcm-sizes.js';
import type { IvGeneration } from './pkcs11-config.js';

/**
 * How AES-GCM's IV and output are laid out for each `ivGeneration` (the three HSM behaviours AWS's sample proxy
 * knows, docs/hsm.md "ivGeneration per vendor"). Pure: the backend passes the buffers to C_EncryptInit/C_Encrypt.
 *   - proxy:            the proxy draws the IV (C_GenerateRandom) and passes it; output = ciphertext || tag (SoftHSM).
 *   - hsm-zero-iv:      a zero IV goes in, the HSM writes its IV into that buffer; output = ciphertext || tag
 *                       (AWS CloudHSM, Entrust nShield).
 *   - hsm-iv-after-tag: no IV goes in; output = ciphertext || tag || IV (Thales Luna).
 */
export interface GcmEncryptLayout {
  /** The IV buffer handed to CK_GCM_PARAMS (empty for hsm-iv-after-tag). */
  readonly ivIn: Buffer;
  /** Bytes to allocate for C_Encrypt's output. */
  readonly outputBytes: number;
}

export function gcmEncryptLayout(ivGeneration: IvGeneration, plaintextBytes: number, drawIv: () => Buffer): GcmEncryptLayout {
  switch (ivGeneration) {
    case 'proxy':
      return { ivIn: drawIv(), outputBytes: plaintextBytes + TAG_BYTES };
    case 'hsm-zero-iv':
      return { ivIn: Buffer.alloc(GENERATED_IV_BYTES), outputBytes: plaintextBytes + TAG_BYTES };
    case 'hsm-iv-after-tag':
      return { ivIn: Buffer.alloc(0), outputBytes: plaintextBytes + TAG_BYTES + GENERATED_IV_BYTES };
  }
}

export class HsmIvError extends Error {}

/**
 * The spec A5 parts of an encryption, as views into `sealed`: C_Encrypt wrote its output (`outputBytes` long) after
 * the first 12 bytes, which get the IV (the one passed in, or the one the HSM put after the tag). Refuses an output
 * of the wrong length and an IV the HSM left zero (a reused IV breaks GCM).
 */
export function placeGcmOutput(ivGeneration: IvGeneration, layout: GcmEncryptLayout, sealed: Buffer, outputBytes: number, plaintextBytes: number): { iv: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array } {
  const expected = ivGeneration === 'hsm-iv-after-tag' ? plaintextBytes + TAG_BYTES + GENERATED_IV_BYTES : plaintextBytes + TAG_BYTES;
  if (outputBytes !== expected) throw new HsmIvError(`C_Encrypt returned ${outputBytes} bytes, expected ${expected} (check ivGeneration)`);
  const out = GENERATED_IV_BYTES;
  if (ivGeneration === 'hsm-iv-after-tag') sealed.copyWithin(0, out + plaintextBytes + TAG_BYTES, out + expected);
  else if (layout.ivIn.length === GENERATED_IV_BYTES) sealed.set(layout.ivIn, 0);
  else throw new HsmIvError(`an IV of ${layout.ivIn.length} bytes; AES-GCM here uses ${GENERATED_IV_BYTES}`);
  const iv = sealed.subarray(0, out);
  if (iv.every((b) => b === 0)) throw new HsmIvError(`the HSM returned no IV (ivGeneration ${ivGeneration}); a zero IV is never used`);
  return { iv, ciphertext: sealed.subarray(out, out + plaintextBytes), tag: sealed.subarray(out + plaintextBytes, out + plaintextBytes + TAG_BYTES) };
}
