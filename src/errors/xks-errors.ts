/**
 * The XKS error catalogue (spec A10): one class per errorName, each with its HTTP status.
 * Every error a client can see is one of these; the wire body is built in one place (toWireBody).
 * `detail` is for the log only and never reaches the client.
 */

/** spec A10: errorName -> HTTP status. Kept honest by test/unit/errors/xks-errors.test.ts against test/vectors/error-table.json. */
export const XKS_ERROR_STATUS = Object.freeze({
  ValidationException: 400,
  InvalidStateException: 400,
  InvalidCiphertextException: 400,
  InvalidKeyUsageException: 400,
  AuthenticationFailedException: 401,
  AccessDeniedException: 403,
  KeyNotFoundException: 404,
  InvalidUriPathException: 404,
  ThrottlingException: 429,
  InternalException: 500,
  UnsupportedOperationException: 501,
  DependencyTimeoutException: 503,
} as const);

export type XksErrorName = keyof typeof XKS_ERROR_STATUS;

/** spec A10: errorMessage MUST be < 512 chars of printable ASCII (0x20-0x7E). */
export const MAX_ERROR_MESSAGE_LENGTH = 511;

export function sanitizeErrorMessage(message: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = message.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > MAX_ERROR_MESSAGE_LENGTH ? `${printable.slice(0, MAX_ERROR_MESSAGE_LENGTH - 3)}...` : printable;
}

export abstract class XksError extends Error {
  abstract readonly errorName: XksErrorName;
  /** Why, for the log: may name internals; never sent to the client. */
  readonly detail: string | undefined;
  /** Extra response headers (e.g. Retry-After, Allow). */
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(message: string, options: { detail?: string; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(sanitizeErrorMessage(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.detail = options.detail;
    this.headers = options.headers;
  }

  get httpStatus(): number {
    return XKS_ERROR_STATUS[this.errorName];
  }
}

export class ValidationException extends XksError {
  readonly errorName = 'ValidationException';
}
export class InvalidStateException extends XksError {
  readonly errorName = 'InvalidStateException';
}
export class InvalidCiphertextException extends XksError {
  readonly errorName = 'InvalidCiphertextException';
}
export class InvalidKeyUsageException extends XksError {
  readonly errorName = 'InvalidKeyUsageException';
}
export class AuthenticationFailedException extends XksError {
  readonly errorName = 'AuthenticationFailedException';
}
export class AccessDeniedException extends XksError {
  readonly errorName = 'AccessDeniedException';
}
export class KeyNotFoundException extends XksError {
  readonly errorName = 'KeyNotFoundException';
}
export class InvalidUriPathException extends XksError {
  readonly errorName = 'InvalidUriPathException';
}
export class ThrottlingException extends XksError {
  readonly errorName = 'ThrottlingException';
}
export class InternalException extends XksError {
  readonly errorName = 'InternalException';
}
export class UnsupportedOperationException extends XksError {
  readonly errorName = 'UnsupportedOperationException';
}
export class DependencyTimeoutException extends XksError {
  readonly errorName = 'DependencyTimeoutException';
}

/**
 * spec A1 / C6: any method but POST on an API URI. The spec fixes the status (405) but not the body: the answer
 * carries UnsupportedOperationException's name, as every other request the proxy does not support, and `Allow: POST`.
 */
export class MethodNotAllowedException extends UnsupportedOperationException {
  constructor(method: string) {
    super(`HTTP method ${method.slice(0, 16)} is not allowed; XKS APIs accept POST only`, { headers: { Allow: 'POST' } });
  }

  override get httpStatus(): number {
    return 405;
  }
}

/** One constructor per errorName, so tests can walk the whole catalogue. */
export const XKS_ERROR_CLASSES: Readonly<Record<XksErrorName, new (message: string) => XksError>> = Object.freeze({
  ValidationException,
  InvalidStateException,
  InvalidCiphertextException,
  InvalidKeyUsageException,
  AuthenticationFailedException,
  AccessDeniedException,
  KeyNotFoundException,
  InvalidUriPathException,
  ThrottlingException,
  InternalException,
  UnsupportedOperationException,
  DependencyTimeoutException,
});

export interface XksErrorBody {
  readonly errorName: XksErrorName;
  readonly errorMessage: string;
}

/** spec A10: the only shape an error takes on the wire. */
export function toWireBody(error: XksError): XksErrorBody {
  return { errorName: error.errorName, errorMessage: error.message };
}

/** Anything that is not an XksError becomes InternalException with a generic message (the cause goes to the log). */
export function toXksError(error: unknown): XksError {
  if (error instanceof XksError) return error;
  return new InternalException('The proxy hit an internal error; see the proxy log for this kmsRequestId', {
    detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    cause: error,
  });
}
