/** Counts per key that drop the key at zero: as big as what is open, never more. */
export class OpenCounts {
  private readonly counts = new Map<string, number>();

  of(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Returns the key's new count. */
  add(key: string): number {
    const count = this.of(key) + 1;
    this.counts.set(key, count);
    return count;
  }

  /** Returns the key's new count (never below 0). */
  remove(key: string): number {
    const left = this.of(key) - 1;
    if (left > 0) this.counts.set(key, left);
    else this.counts.delete(key);
    return Math.max(0, left);
  }

  /** How many keys have a count above 0. */
  get size(): number {
    return this.counts.size;
  }
}
