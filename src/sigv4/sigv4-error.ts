/**
 * Why a request failed SigV4. The HTTP boundary maps every reason to 401 AuthenticationFailedException
 * (spec A10/A12); the reason and detail are for the log only.
 */
export type SigV4FailureReason =
  | 'missing-header'
  | 'malformed'
  | 'unknown-access-key-id'
  | 'wrong-scope'
  | 'clock-skew'
  | 'signature-mismatch';

/**
 * A precise SigV4 failure. `detail` never contains a secret, a derived key or a full signature, and
 * echoes client-supplied values only through {@link describeValue} (bounded, escaped).
 */
export class SigV4Error extends Error {
  readonly reason: SigV4FailureReason;
  readonly detail: string;
  /**
   * Structured facts for `xks explain` (the proxy's decision log): for clock-skew the two times and the difference,
   * for signature-mismatch the canonical request and string to sign the proxy computed. Same rule as `detail`.
   */
  readonly facts: Readonly<Record<string, string | number>>;

  constructor(reason: SigV4FailureReason, detail: string, facts: Readonly<Record<string, string | number>> = {}) {
    super(`SigV4 ${reason}: ${detail}`);
    this.name = 'SigV4Error';
    this.reason = reason;
    this.detail = detail;
    this.facts = facts;
  }
}

const MAX_ECHO_LENGTH = 64;

/** Quote a client-supplied value for a log message: JSON-escaped and cut to 64 characters. */
export function describeValue(value: string): string {
  if (value.length <= MAX_ECHO_LENGTH) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, MAX_ECHO_LENGTH))}... (${value.length} chars)`;
}
