export interface RateDecision {
  allowed: boolean;
  /** When refused: how long until one token is back. */
  retryAfterMs: number;
}

export interface TokenBucketLimit {
  /** Tokens added per second: the sustained rate allowed. */
  ratePerSecond: number;
  /** The bucket's size: how many hits may come at once after a quiet spell. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per key (visitor id, socket id, agent id, client address), in memory, per gateway
 * instance. Memory is bounded: at most `maxKeys` buckets, kept in least-recently-used order (a Map's
 * insertion order, refreshed on each hit), so the key to evict is the first one, found in O(1) — no
 * scan of the map, whatever its size. An evicted key starts again with a full bucket, which only
 * forgets a key that was quiet longer than `maxKeys` others were busy. `now` is passed in.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly limit: TokenBucketLimit,
    private readonly maxKeys = 100_000,
  ) {
    if (!(limit.ratePerSecond > 0) || !(limit.burst >= 1) || !(maxKeys >= 1))
      throw new Error('a token bucket needs a positive rate, a burst of at least 1 and room for one key');
    this.perMs = limit.ratePerSecond / 1000;
  }

  /** Takes one token for `key` if there is one; a refused hit takes nothing, so it does not extend the wait. */
  take(key: string, now: number): RateDecision {
    const bucket = this.refilled(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterMs: 0 };
    }
    return { allowed: false, retryAfterMs: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs)) };
  }

  /** Drops a key at once (a closed socket's bucket). */
  forget(key: string): void {
    this.buckets.delete(key);
  }

  get trackedKeys(): number {
    return this.buckets.size;
  }

  private refilled(key: string, now: number): Bucket {
    const found = this.buckets.get(key);
    if (found) {
      // Re-inserted last: the map's first key is always the least recently used.
      this.buckets.delete(key);
      found.tokens = Math.min(this.limit.burst, found.tokens + Math.max(0, now - found.at) * this.perMs);
      found.at = Math.max(found.at, now);
      this.buckets.set(key, found);
      return found;
    }
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    const fresh = { tokens: this.limit.burst, at: now };
    this.buckets.set(key, fresh);
    return fresh;
  }
}
