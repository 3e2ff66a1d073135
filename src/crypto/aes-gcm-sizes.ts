/** The sizes of AES-256-GCM as the XKS wire format uses it; each with the clause it comes from. */

/** AES-256 (spec A1 scope): 32 bytes of key material. */
export const KEY_BYTES = 32;
/** spec A5 / C33: IVs are 12 or 16 bytes. */
export const ACCEPTED_IV_BYTES: readonly number[] = Object.freeze([12, 16]);
/** The IV length we generate (spec A5 / C33: 12 is GCM's natural size). */
export const GENERATED_IV_BYTES = 12;
/** spec A5 / C34: the GCM tag is 16 bytes. */
export const TAG_BYTES = 16;
