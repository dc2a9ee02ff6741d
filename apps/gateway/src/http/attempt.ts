import type { IncomingHttpHeaders } from 'node:http';

/**
 * The header a client numbers its tries of one request with: `1` (or no header) for the first, `2`
 * for the first retry, and so on. The SDK sends it on every retry of a message.
 */
export const ATTEMPT_HEADER = 'x-attempt';

const ATTEMPT = /^\s*\d{1,9}\s*$/;

/**
 * Whether the request says it is a client's retry: `X-Attempt` of 2 or more. Anything else (none, 1,
 * not a number) is taken for a first try. Its own module, free of Nest, for the door thread
 * (http/door-worker.ts) too. A client that leaves it out is served as a first try: the header asks
 * to wait behind new work under overload, it never buys anything.
 */
export function isRetry(headers: IncomingHttpHeaders): boolean {
  const given = headers[ATTEMPT_HEADER];
  return typeof given === 'string' && ATTEMPT.test(given) && Number(given) >= 2;
}
