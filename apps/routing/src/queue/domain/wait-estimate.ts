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
 * The mean time between the channel's recent assignments, in seconds: (latest − oldest) / (n − 1)
 * over those within the window, but never less than the time since the latest, so a desk that has
 * stopped taking conversations shows at once. Undefined with fewer than two assignments in the window
 * (no rate to tell).
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
  const meanGap = (latest - oldest) / (inWindow.length - 1);
  return Math.max(meanGap, t - latest) / 1000;
}
