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

/** Every UNAVAILABLE answer carries a Retry-After: the error's own estimate, else the default. */
export function retryAfterSecondsOf(err: unknown): number {
  return err instanceof Unavailable ? err.retryAfterSeconds : DEFAULT_RETRY_AFTER_SECONDS;
}
