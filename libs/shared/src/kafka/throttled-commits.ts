import type { EachBatchPayload } from 'kafkajs';

/**
 * What a batch hands over: the group's resolved offsets not committed yet, and the commit of given
 * offsets (straight to the group, unlike `consumer.commitOffsets`, which does nothing once the
 * consumer is stopping: the batches that end then are committed too).
 */
export type BatchOffsets = Pick<EachBatchPayload, 'uncommittedOffsets' | 'commitOffsetsIfNecessary'>;

export interface ThrottledCommitsOptions {
  intervalMs: number;
  /** A commit that failed (a rebalance under way): the offsets are committed with the next one, or redelivered. */
  failed: (err: unknown) => void;
  now?: () => number;
}

/**
 * Commits a consumer's resolved offsets at most once per interval, and at the interval's end if
 * offsets were resolved meanwhile. kafkajs with `eachBatch` commits after every batch whatever its
 * `autoCommitInterval` (runner.js: `autoCommitOffsets()` after each batch), so every batch of a
 * partition cost an OffsetCommit, which the broker writes to `__consumer_offsets`: about a fifth of
 * its CPU under bench/flow. What a crash leaves uncommitted (at most one interval of records) is
 * redelivered and the inbox applies it once, as for any redelivery.
 */
export class ThrottledCommits {
  private last = 0;
  private timer: NodeJS.Timeout | null = null;
  private source: BatchOffsets | null = null;
  private closing = false;
  private readonly now: () => number;

  constructor(private readonly o: ThrottledCommitsOptions) {
    this.now = o.now ?? Date.now;
  }

  /**
   * After a batch's offsets are resolved: commits now when the interval has passed (or the consumer
   * is closing), else once it has.
   */
  async resolved(batch: BatchOffsets): Promise<void> {
    this.source = batch;
    const due = this.last + this.o.intervalMs - this.now();
    if (this.closing || due <= 0) return this.flush();
    // Unreferenced: a process ending without close() loses at most this commit (a redelivery), not its exit.
    this.timer ??= setTimeout(() => void this.flush(), due).unref();
  }

  /** Commits what is resolved and not committed yet; a failure is reported, not thrown. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.last = this.now();
    const source = this.source;
    const offsets = source?.uncommittedOffsets();
    if (!source || !offsets || offsets.topics.length === 0) return;
    try {
      await source.commitOffsetsIfNecessary(offsets);
    } catch (err) {
      this.o.failed(err);
    }
  }

  /** Before the consumer stops: commits what is waiting, and every batch that ends after this at once. */
  close(): Promise<void> {
    this.closing = true;
    return this.flush();
  }
}
