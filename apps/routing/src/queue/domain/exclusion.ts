export type ExclusionCause = 'released' | 'first_response_timeout' | 'response_timeout';

/**
 * Until when a queued conversation keeps away from the agent it left (inclusive).
 * - Reading "Who gets it": taken away by R9 or R10, it goes to a different agent when one is
 *   available; if none is, it waits in the queue, and may return to the same agent only once a
 *   first-response period has passed (the time the rules give any agent to answer). Without the wait,
 *   a lone agent would get it back at the next matching round with a fresh clock, and an agent
 *   freeing a slot a second later would never see it.
 * - R7: released after a visitor message, it goes to someone else when someone is available in that
 *   same round, else straight back to the queue for whoever frees first, the releasing agent included.
 */
export function exclusionEnds(cause: ExclusionCause, now: Date, timeouts: { firstResponseMs: number }): Date {
  return cause === 'released' ? now : new Date(now.getTime() + timeouts.firstResponseMs);
}

/** The agent to keep away from now, or null. */
export function excludedAgent(
  q: { excludeAgentId?: string | null; excludeUntil?: Date | null },
  now: Date,
): string | null {
  if (!q.excludeAgentId || !q.excludeUntil) return null;
  return q.excludeUntil.getTime() >= now.getTime() ? q.excludeAgentId : null;
}
