import type { OffsetsByTopicPartition } from 'kafkajs';
import { BatchOffsets, ThrottledCommits } from './throttled-commits';

/** A consumer group's offsets as kafkajs keeps them: resolved, and what a commit marks committed. */
function group() {
  const resolved = new Map<number, string>();
  const committed = new Map<number, string>();
  const commits: OffsetsByTopicPartition[] = [];
  let failNext = false;
  const batch: BatchOffsets = {
    uncommittedOffsets: () => {
      const partitions = [...resolved]
        .filter(([p, o]) => committed.get(p) !== o)
        .map(([partition, offset]) => ({ partition, offset }));
      return { topics: partitions.length ? [{ topic: 't', partitions }] : [] };
    },
    commitOffsetsIfNecessary: async (offsets) => {
      if (failNext) {
        failNext = false;
        throw new Error('REBALANCE_IN_PROGRESS');
      }
      commits.push(offsets as OffsetsByTopicPartition);
      for (const p of (offsets as OffsetsByTopicPartition).topics[0].partitions)
        committed.set(p.partition, p.offset);
    },
  };
  return { resolved, commits, batch, failOnce: () => (failNext = true) };
}

describe('ThrottledCommits', () => {
  let now = 0;
  const failures: unknown[] = [];
  const make = () =>
    new ThrottledCommits({ intervalMs: 1000, failed: (e) => failures.push(e), now: () => now });

  beforeEach(() => {
    jest.useFakeTimers();
    now = 10_000;
    failures.length = 0;
  });
  afterEach(() => jest.useRealTimers());

  const advance = async (ms: number) => {
    now += ms;
    await jest.advanceTimersByTimeAsync(ms);
  };

  it('commits the first batch at once, then once per interval with what was resolved meanwhile', async () => {
    const g = group();
    const commits = make();
    g.resolved.set(0, '5');
    await commits.resolved(g.batch);
    expect(g.commits).toHaveLength(1);

    for (const offset of ['6', '7', '8']) {
      await advance(100);
      g.resolved.set(0, offset);
      g.resolved.set(1, offset);
      await commits.resolved(g.batch);
    }
    expect(g.commits).toHaveLength(1);
    await advance(700);
    expect(g.commits).toHaveLength(2);
    expect(g.commits[1].topics[0].partitions).toEqual([
      { partition: 0, offset: '8' },
      { partition: 1, offset: '8' },
    ]);
  });

  it('sends nothing when nothing new was resolved', async () => {
    const g = group();
    const commits = make();
    g.resolved.set(0, '5');
    await commits.resolved(g.batch);
    await advance(1500);
    await commits.resolved(g.batch);
    expect(g.commits).toHaveLength(1);
  });

  it('on close commits what waits, and every batch after it at once', async () => {
    const g = group();
    const commits = make();
    g.resolved.set(0, '1');
    await commits.resolved(g.batch);
    g.resolved.set(0, '2');
    await commits.resolved(g.batch);
    await commits.close();
    expect(g.commits.map((c) => c.topics[0].partitions[0].offset)).toEqual(['1', '2']);
    g.resolved.set(0, '3');
    await commits.resolved(g.batch);
    expect(g.commits.map((c) => c.topics[0].partitions[0].offset)).toEqual(['1', '2', '3']);
    await advance(5000);
    expect(g.commits).toHaveLength(3);
  });

  it('reports a failed commit and carries its offsets in the next one', async () => {
    const g = group();
    const commits = make();
    g.failOnce();
    g.resolved.set(0, '4');
    await commits.resolved(g.batch);
    expect(failures).toHaveLength(1);
    g.resolved.set(1, '9');
    await advance(1000);
    await commits.resolved(g.batch);
    expect(g.commits[0].topics[0].partitions).toEqual([
      { partition: 0, offset: '4' },
      { partition: 1, offset: '9' },
    ]);
  });
});
