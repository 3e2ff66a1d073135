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

/** Split C_Encrypt's output into the spec A5 parts. Refuses an IV the HSM left zero (a reused IV breaks GCM). */
export function splitGcmOutput(ivGeneration: IvGeneration, layout: GcmEncryptLayout, output: Buffer, plaintextBytes: number): { iv: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array } {
  const expected = ivGeneration === 'hsm-iv-after-tag' ? plaintextBytes + TAG_BYTES + GENERATED_IV_BYTES : plaintextBytes + TAG_BYTES;
  if (output.length !== expected) throw new HsmIvError(`C_Encrypt returned ${output.length} bytes, expected ${expected} (check ivGeneration)`);
  const ciphertext = Uint8Array.prototype.slice.call(output, 0, plaintextBytes);
  const tag = Uint8Array.prototype.slice.call(output, plaintextBytes, plaintextBytes + TAG_BYTES);
  const iv = ivGeneration === 'hsm-iv-after-tag' ? Uint8Array.prototype.slice.call(output, plaintextBytes + TAG_BYTES) : Uint8Array.prototype.slice.call(layout.ivIn);
  if (iv.length !== GENERATED_IV_BYTES || iv.every((b) => b === 0)) {
    throw new HsmIvError(`the HSM returned no IV (ivGeneration ${ivGeneration}); a zero IV is never used`);
  }
  return { iv, ciphertext, tag };
}
