/** A second's mean counts only when that second had this many answers: fewer say little. */
export const MIN_ANSWERS_PER_SECOND = 20;

/**
 * How long a service usually takes to answer: the lowest of its per-second mean answer times over
 * the last `windowSeconds` (5 minutes). The lowest over minutes is the latency of the service when
 * little waits, on whatever hardware it runs (tens of ms on bench/overload's shared two cores, a
 * fraction of that on cores of its own). An overload raises the means of its seconds, not the lowest
 * of the window; one that lasts longer than the window becomes the usual. A mean, not a median: by
 * Little's law what waits is the answer rate × the mean time, so the bound the client derives from
 * it (RequestClient.boundFor) holds the mean to the usual one plus a margin. These times are
 * skewed (a few slow answers in every second), so their median lies below their mean, and a bound
 * built on it would hold the mean under where it usually is.
 *
 * Each second's answers are summed; the lowest mean is kept with a monotonic queue of the means, so
 * asking costs O(1) and each second's mean is added and dropped once.
 */
export class UsualLatency {
  private second = Number.NaN;
  private count = 0;
  private sum = 0;
  /** Per-second means in time order, each lower than all after it (the window's lowest first). */
  private readonly lowest: Array<{ second: number; ms: number }> = [];

  constructor(private readonly windowSeconds = 300) {}

  /** An answer that came `latencyMs` after its request was sent. */
  add(nowMs: number, latencyMs: number): void {
    this.roll(Math.floor(nowMs / 1000));
    this.count++;
    this.sum += latencyMs;
  }

  /** The lowest per-second mean over the window, in ms; undefined before one second has counted. */
  ms(nowMs: number): number | undefined {
    const second = Math.floor(nowMs / 1000);
    this.roll(second);
    while (this.lowest.length > 0 && this.lowest[0].second <= second - this.windowSeconds)
      this.lowest.shift();
    return this.lowest[0]?.ms;
  }

  /** Closes the second being collected once `second` is a later one (a clock set back closes none). */
  private roll(second: number): void {
    if (second <= this.second) return;
    if (this.count >= MIN_ANSWERS_PER_SECOND) {
      const ms = this.sum / this.count;
      while (this.lowest.length > 0 && this.lowest[this.lowest.length - 1].ms >= ms) this.lowest.pop();
      this.lowest.push({ second: this.second, ms });
    }
    [this.count, this.sum] = [0, 0];
    this.second = second;
  }
}
