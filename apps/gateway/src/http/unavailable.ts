import { DomainError } from '@pupitre/shared';

/** When a 503 names no better estimate: a client may try again in this many seconds. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

/**
 * UNAVAILABLE with the seconds after which trying again makes sense: HTTP answers carry it as
 * `Retry-After`, socket acks as `error.retryAfterSeconds` (CONTRACT.md, Additions).
 */
export class Unavailable extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS,
  ) {
    super('UNAVAILABLE', message);
  }
}

/**
 * UNAVAILABLE before the request left this gateway (the in-flight bound, or shutting down): it reached
 * no service, so it has nothing to undo.
 */
export class NotSent extends Unavailable {
  /**
   * A refusal at the in-flight bound: an answer, not a fault, so built without a stack trace. Under
   * overload they come by the thousand a second, and capturing their stacks was 1.4 % of the
   * gateway's busy time in a profile at 1,000/s (issue 7's note, session 9).
   */
  static refusal(message: string, retryAfterSeconds: number): NotSent {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new NotSent(message, retryAfterSeconds);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/**
 * RATE_LIMITED with the seconds until the limit lets the next one through: `Retry-After` on HTTP,
 * `error.retryAfterSeconds` in a socket ack or a refused connection's data.
 */
export class RateLimited extends DomainError {
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterMs: number) {
    super('RATE_LIMITED', message);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}

/** The codes whose answers say when to try again. */
export const hasRetryAfter = (code: string): boolean => code === 'UNAVAILABLE' || code === 'RATE_LIMITED';

/** Every UNAVAILABLE or RATE_LIMITED answer carries a Retry-After: the error's own estimate, else the default. */
export function retryAfterSecondsOf(err: unknown): number {
  return err instanceof Unavailable || err instanceof RateLimited
    ? err.retryAfterSeconds
    : DEFAULT_RETRY_AFTER_SECONDS;
}
