/** Events (answers, refusals) per second over the last few seconds, in one-second buckets. */
export class CompletionRate {
  private readonly counts: number[];
  private readonly seconds: number[];

  constructor(private readonly windowSeconds = 5) {
    this.counts = new Array<number>(windowSeconds).fill(0);
    this.seconds = new Array<number>(windowSeconds).fill(-1);
  }

  add(nowMs: number, count = 1): void {
    const second = Math.floor(nowMs / 1000);
    const i = this.slotOf(second);
    if (this.seconds[i] !== second) {
      this.seconds[i] = second;
      this.counts[i] = 0;
    }
    this.counts[i] += count;
  }

  /** Over the last full window (the current second included). */
  perSecond(nowMs: number): number {
    return this.inWindow(nowMs) / this.windowSeconds;
  }

  /**
   * The rate over the last 1,000 ms: the current second's count, and the part of the last second's
   * that falls in those 1,000 ms (taken as spread evenly over it). After a quiet spell the window's
   * average trails what is happening now by seconds (one second into a burst it says a fifth of it);
   * this does not, and it never scales a partial count up, so a burst of replies landing together is
   * not read as a higher rate than it is.
   */
  recentPerSecond(nowMs: number): number {
    const second = Math.floor(nowMs / 1000);
    const elapsed = nowMs - second * 1000;
    return this.countOf(second) + (this.countOf(second - 1) * (1000 - elapsed)) / 1000;
  }

  private countOf(second: number): number {
    const i = this.slotOf(second);
    return this.seconds[i] === second ? this.counts[i] : 0;
  }

  /** The bucket a second goes in (one per second of the window, reused as the seconds go by). */
  private slotOf(second: number): number {
    return ((second % this.windowSeconds) + this.windowSeconds) % this.windowSeconds;
  }

  /** How many were added over the last full window (the current second included). */
  inWindow(nowMs: number): number {
    const second = Math.floor(nowMs / 1000);
    let total = 0;
    for (let i = 0; i < this.windowSeconds; i++) {
      if (this.seconds[i] > second - this.windowSeconds) total += this.counts[i];
    }
    return total;
  }
}
