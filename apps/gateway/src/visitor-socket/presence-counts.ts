/**
 * This instance's count of each visitor's sockets, and the sequence numbers of the reports about
 * them: increasing across restarts (from the clock, never below the last one given), so conversation
 * can drop a report older than one it already has. `now` is passed in for tests.
 */
export class PresenceCounts {
  private readonly counts = new Map<string, number>();
  private lastSeq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Changes a visitor's count by `delta` (never below 0) and returns the report to send. */
  add(visitorId: string, delta: number): { sockets: number; seq: number } {
    const sockets = Math.max(0, (this.counts.get(visitorId) ?? 0) + delta);
    if (sockets === 0) this.counts.delete(visitorId);
    else this.counts.set(visitorId, sockets);
    return { sockets, seq: this.nextSeq() };
  }

  nextSeq(): number {
    this.lastSeq = Math.max(this.lastSeq + 1, this.now());
    return this.lastSeq;
  }

  get visitors(): number {
    return this.counts.size;
  }
}
