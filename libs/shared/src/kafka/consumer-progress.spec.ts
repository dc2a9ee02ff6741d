import { hasReached, PartitionEnds } from './consumer-progress';

describe(hasReached.name, () => {
  const ends: PartitionEnds[] = [
    { partition: 0, high: 10n, low: 0n },
    { partition: 1, high: 4n, low: 0n },
  ];

  it('every partition committed up to its end: reached', () => {
    expect(
      hasReached(
        ends,
        new Map([
          [0, 10n],
          [1, 7n],
        ]),
      ),
    ).toBe(true);
  });

  it('one partition still behind: not reached', () => {
    expect(
      hasReached(
        ends,
        new Map([
          [0, 10n],
          [1, 3n],
        ]),
      ),
    ).toBe(false);
  });

  it('a group that never committed, on a topic with records: not reached', () => {
    expect(
      hasReached(
        ends,
        new Map([
          [0, -1n],
          [1, -1n],
        ]),
      ),
    ).toBe(false);
    expect(hasReached(ends, new Map())).toBe(false);
  });

  it('empty partitions (nothing written, or all of it expired) need nothing', () => {
    expect(
      hasReached(
        [
          { partition: 0, high: 5n, low: 5n },
          { partition: 1, high: 0n, low: 0n },
        ],
        new Map(),
      ),
    ).toBe(true);
  });
});
