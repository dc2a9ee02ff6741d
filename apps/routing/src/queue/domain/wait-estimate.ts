/**
 * How the expected wait is made (docs/architecture.md, "Queue position and expected wait"): from the
 * channel's recent assignments out of the queue. Pure; `now` is passed in.
 */
export const WAIT_ESTIMATE = {
  /** Assignments older than this say nothing about the desk now. */
  windowMs: 30 * 60_000,
  /** The most recent assignments kept and used, per channel. */
  samples: 20,
};

/** The channel's recent assignment times after `assignedAt` were added: the latest `samples`, oldest first. */
export function recordAssignments(
  recent: readonly Date[],
  assignedAt: readonly Date[],
  samples = WAIT_ESTIMATE.samples,
): Date[] {
  return [...recent, ...assignedAt].sort((a, b) => a.getTime() - b.getTime()).slice(-samples);
}

/**
 * The mean time between the channel's recent assignments, in seconds, counting the gap still open:
 * (now − oldest) / (n − 1) over those within the window. The open gap makes a desk that has stopped
 * taking conversations show gradually; past twice the mean, half the time since the latest is used
 * instead, so a long stall shows at once. Undefined with fewer than two assignments in the window (no
 * rate to tell).
 *
 * bench/queue-wait measured the first version, max((latest − oldest)/(n − 1), now − latest): it was
 * 44% too long on average (bias +3.6 s on 8.0 s waits), because the time since the latest
 * assignment of a random process often exceeds the mean gap. See bench/results/queue-wait-*.
 */
export function secondsPerAssignment(
  recent: readonly Date[],
  now: Date,
  windowMs = WAIT_ESTIMATE.windowMs,
): number | undefined {
  const t = now.getTime();
  const inWindow = recent
    .map((d) => d.getTime())
    .filter((at) => at <= t && t - at <= windowMs)
    .sort((a, b) => a - b);
  if (inWindow.length < 2) return undefined;
  const oldest = inWindow[0];
  const latest = inWindow[inWindow.length - 1];
  const meanGap = (t - oldest) / (inWindow.length - 1);
  return Math.max(meanGap, (t - latest) / 2) / 1000;
}
