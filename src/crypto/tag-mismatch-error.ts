/**
 * Thrown by AesGcmEngine.decrypt when the GCM tag does not verify (spec A6: the caller answers
 * 400 InvalidCiphertextException). Carries no detail: which of key, IV, AAD, ciphertext or tag was
 * wrong is unknowable by design, and no plaintext is returned or kept.
 */
export class TagMismatchError extends Error {
  override readonly name = 'TagMismatchError';

  constructor() {
    super('aes-gcm: authentication tag mismatch');
  }
}
