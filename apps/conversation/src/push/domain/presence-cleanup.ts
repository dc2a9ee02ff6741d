/** How often conversation clears presence rows that no longer say anything. */
export const PRESENCE_CLEANUP_INTERVAL_MS = 60_000;

/**
 * A visitor's row with 0 sockets is kept this long after its last report, then deleted: far past any
 * report still in flight (a request past its deadline is never applied), so a late, older report with
 * sockets > 0 cannot come back once the row (and its `seq`) is gone.
 */
export const IDLE_PRESENCE_KEEP_MS = 10 * 60_000;

/**
 * A gateway instance silent this long (the liveness is GATEWAY_PRESENCE_TTL_MS) is deleted with its
 * presence rows: it has counted as gone, with its sockets, for almost all of that time.
 */
export const GONE_INSTANCE_KEEP_MS = 60 * 60_000;

/** At most this many rows (presence) and instances are deleted per run: the cost of a run is bounded. */
export const PRESENCE_CLEANUP_CHUNK = 500;

export interface PresenceCleanupCutoffs {
  /** Rows with 0 sockets last reported before this go. */
  idleBefore: Date;
  /** Instances last heard before this go, with their rows; null: none yet (see below). */
  goneBefore: Date | null;
}

/**
 * What one run may delete at `now`. No instance is deleted until this process has run for
 * GONE_INSTANCE_KEEP_MS itself: after conversation was down, the gateways' heartbeats of that time
 * were never applied, which says nothing about the gateways.
 */
export function presenceCleanupCutoffs(now: Date, runningSince: Date): PresenceCleanupCutoffs {
  const t = now.getTime();
  const goneBefore = new Date(t - GONE_INSTANCE_KEEP_MS);
  return {
    idleBefore: new Date(t - IDLE_PRESENCE_KEEP_MS),
    goneBefore: t - runningSince.getTime() >= GONE_INSTANCE_KEEP_MS ? goneBefore : null,
  };
}
