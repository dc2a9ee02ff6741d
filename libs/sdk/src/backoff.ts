/** How long to wait before trying again: exponential, capped, with full jitter. */
export interface BackoffPolicy {
  /** The first retry waits up to this long. */
  baseMs: number;
  /** No wait is longer than this, unless the server's Retry-After asks for more: then up to 1.5× that. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000 };

/** The longest wait a timer can hold: setTimeout fires at once past 2^31 − 1 ms (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The wait before retry number `attempt` (1 for the first retry): a uniform draw in
 * [0, min(cap, base·2^(attempt-1))) — "full jitter", so that many devices coming back at once spread
 * out. A server's `Retry-After` is honoured and spread too: the wait is at least `Retry-After` plus up
 * to half of it again (the same draw), so the devices an overloaded server refused in the same second,
 * all told the same `Retry-After`, do not all come back in the same second after it, a second
 * overload of their own; and never shorter than the backoff's own draw. Never past what a timer can
 * hold (a far HTTP date in Retry-After, or a cap set past it, would otherwise make setTimeout fire at
 * once, again and again).
 */
export function backoffDelay(
  attempt: number,
  random: () => number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const draw = Math.min(Math.max(random(), 0), 1);
  const jittered = Math.floor(draw * ceiling);
  const wait =
    retryAfterMs === undefined
      ? jittered
      : Math.max(retryAfterMs + Math.floor((draw * retryAfterMs) / 2), jittered);
  return Math.min(MAX_TIMER_MS, wait);
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
