/**
 * The bytes of request bodies being received across the whole process (limits.maxBodyBytesInFlight). Bytes are
 * counted as they arrive, not as declared: a client that declares a large Content-Length and sends nothing holds
 * nothing (its connection is cut by limits.requestTimeoutMs). Above the budget a request is refused with
 * ThrottlingException, so memory stays bounded whatever the input rate.
 */
export interface BodyBudget {
  /** Reserve `bytes`; false (and nothing reserved) when the budget would be exceeded. */
  take(bytes: number): boolean;
  release(bytes: number): void;
  readonly inFlight: number;
}

export function createBodyBudget(limit: () => number): BodyBudget {
  let inFlight = 0;
  return {
    take(bytes) {
      if (inFlight + bytes > limit()) return false;
      inFlight += bytes;
      return true;
    },
    release(bytes) {
      inFlight -= bytes;
    },
    get inFlight() {
      return inFlight;
    },
  };
}
