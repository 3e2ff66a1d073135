import { createRequire } from 'node:module';
import type * as Pkcs11Js from 'pkcs11js';

/** The pkcs11js module (constants, PKCS11 class, Pkcs11Error). */
export type Pkcs11Binding = typeof Pkcs11Js;
export type Pkcs11 = Pkcs11Js.PKCS11;
export type Pkcs11Handle = Buffer;

/**
 * Loaded only when a key store names a `pkcs11` block: the proxy starts, and every key-file store serves, without
 * the binding built or any HSM library installed (docs/hsm.md). A type-only import above costs nothing at runtime.
 */
export function loadPkcs11Binding(): Pkcs11Binding {
  const require = createRequire(import.meta.url);
  try {
    return require('pkcs11js') as Pkcs11Binding;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new Error(`the npm package pkcs11js (the PKCS#11 binding) cannot be loaded (${code}); run npm ci with a C++ toolchain (docs/hsm.md)`);
  }
}
