/** A start-up problem of a PKCS#11 store, naming the `pkcs11` field to fix (`module`, `tokenLabel`, `pinFile`...). */
export class Pkcs11SetupError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
