import { OpenCounts } from '../socket-limits';

/**
 * This instance's count of each visitor's sockets, and the sequence numbers of the reports about
 * them: increasing across restarts (from the clock, never below the last one given), so conversation
 * can drop a report older than one it already has. `now` is passed in for tests.
 */
export class PresenceCounts {
  private readonly counts = new OpenCounts();
  private lastSeq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Changes a visitor's count by one socket (never below 0) and returns the report to send. */
  add(visitorId: string, delta: 1 | -1): { sockets: number; seq: number } {
    const sockets = delta > 0 ? this.counts.add(visitorId) : this.counts.remove(visitorId);
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
