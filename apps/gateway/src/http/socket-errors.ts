import { Logger } from '@nestjs/common';
import type { ErrorBody } from '@pupitre/shared';
import { toErrorBody } from './error-mapping';
import { hasRetryAfter, retryAfterSecondsOf } from './unavailable';

/** An UNAVAILABLE or RATE_LIMITED ack's error also says when to try again (CONTRACT.md Additions: Retry-After). */
export type AckError = ErrorBody & { retryAfterSeconds?: number };

export type Ack<T extends object> = ({ ok: true } & T) | { ok: false; error: AckError };

const logger = new Logger('SocketError');

/**
 * Runs a socket command and answers its acknowledgement the contract's way: `{ok: true, ...}` or
 * `{ok: false, error: {code, message}}`, with the same codes as HTTP. Never throws.
 */
export async function ackOf<T extends object>(command: string, work: () => Promise<T>): Promise<Ack<T>> {
  try {
    return { ok: true, ...(await work()) };
  } catch (err) {
    const { body, internal } = toErrorBody(err);
    if (internal)
      logger.error(`${command}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return { ok: false, error: ackError(err, body) };
  }
}

/** The error of a refused ack: the contract's `{code, message}`, with `retryAfterSeconds` when it applies. */
export function ackError(err: unknown, body: ErrorBody = toErrorBody(err).body): AckError {
  return hasRetryAfter(body.code) ? { ...body, retryAfterSeconds: retryAfterSecondsOf(err) } : body;
}

/**
 * The error a namespace middleware passes to `next`: the client's `connect_error` has the code as
 * its message and `{code, message}` as its data.
 */
export function connectError(err: unknown): Error & { data: AckError } {
  const { body, internal } = toErrorBody(err);
  if (internal)
    logger.error(`connection refused: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return Object.assign(new Error(body.code), { data: ackError(err, body) });
}
