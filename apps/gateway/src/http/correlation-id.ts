import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** A client's own request id is kept if it looks like one; anything else gets a fresh id. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/**
 * The request's correlation id: the client's `X-Request-Id` when well formed, else a new one. Its own
 * module, free of Nest, for the door thread (http/door-worker.ts) too.
 */
export function correlationIdOf(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}
