export interface RateDecision {
  allowed: boolean;
  /** When refused: how long until the oldest counted hit leaves the window. */
  retryAfterMs: number;
}

/**
 * At most `limit` hits per key in any sliding window of `windowMs` (a log of hit times per key).
 * In memory, per gateway instance. `now` is passed in, so tests need no timers.
 */
export class SlidingWindowRateLimiter {
  private readonly hits = new Map<string, number[]>();
  private sweepAt = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  hit(key: string, now: number): RateDecision {
    this.sweep(now);
    const since = now - this.windowMs;
    const log = (this.hits.get(key) ?? []).filter((t) => t > since);
    if (log.length >= this.limit) {
      this.hits.set(key, log);
      return { allowed: false, retryAfterMs: Math.max(1, log[0] + this.windowMs - now) };
    }
    log.push(now);
    this.hits.set(key, log);
    return { allowed: true, retryAfterMs: 0 };
  }

  get trackedKeys(): number {
    return this.hits.size;
  }

  /** Forgets keys with no hit in the window: once per window, or at once when too many are kept. */
  private sweep(now: number): void {
    if (now < this.sweepAt && this.hits.size < this.maxKeys) return;
    this.sweepAt = now + this.windowMs;
    const since = now - this.windowMs;
    for (const [key, log] of this.hits) {
      if (log[log.length - 1] <= since) this.hits.delete(key);
    }
  }
}
