import type { DoorReason, DoorView } from '../http';

/** What the door view is made of: the request client's bound and the desk feed's lag. */
export interface DoorSources {
  client: {
    inFlightTo(service: 'conversation'): number;
    boundFor(service: 'conversation', retry?: boolean): number;
    retryAfterSeconds(service: 'conversation'): number;
  };
  feedLag: { retryAfterSeconds(): number | null };
}

/**
 * The state the door thread refuses visitor messages by (http/door-state.ts; the thread is
 * http/door-worker.ts), as the main thread's door would (load-shedding.ts): shut while conversation
 * is at its bound, or while the desk feed is past its limit; the bound of what the thread may have
 * admitted and not answered, and the lower one a client's retry meets, with whether retries are shut
 * (all that waits for conversation at their bound, as the main thread's door decides for a retry);
 * the Retry-After.
 * No side effect: refusals are counted once the thread reports them.
 */
export function doorView({ client, feedLag }: DoorSources): DoorView {
  const bound = client.boundFor('conversation');
  const retryBound = client.boundFor('conversation', true);
  const inFlight = client.inFlightTo('conversation');
  const full = inFlight >= bound;
  const feedRetryAfter = full ? null : feedLag.retryAfterSeconds();
  const reason: DoorReason = feedRetryAfter === null ? 'overloaded' : 'desks-behind';
  return {
    shut: full || feedRetryAfter !== null,
    reason,
    bound,
    retryBound,
    retriesShut: inFlight >= retryBound,
    retryAfterSeconds: feedRetryAfter ?? client.retryAfterSeconds('conversation'),
  };
}
