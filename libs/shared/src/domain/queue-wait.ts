/**
 * The expected wait of the conversation at `position` in its channel's queue (1 is next): `position`
 * assignments, each taking the channel's recent mean time between assignments (routing's
 * `secondsPerAssignment`, carried by `queue.changed`). Undefined when that rate is unknown.
 */
export function estimatedWaitSeconds(
  position: number,
  secondsPerAssignment: number | undefined,
): number | undefined {
  if (secondsPerAssignment === undefined || !Number.isFinite(secondsPerAssignment)) return undefined;
  return Math.round(position * secondsPerAssignment);
}
