import { RecentIds } from './recent-ids';

describe(RecentIds.name, () => {
  it('says an id is new once, then a repeat', () => {
    const sut = new RecentIds(10);
    expect([sut.firstTime('a'), sut.firstTime('b'), sut.firstTime('a')]).toEqual([true, true, false]);
  });

  it('keeps at most its capacity, forgetting the oldest first', () => {
    const sut = new RecentIds(2);
    for (const id of ['a', 'b', 'c']) sut.firstTime(id);
    expect(sut.size).toBe(2);
    expect(sut.firstTime('c')).toBe(false);
    expect(sut.firstTime('a')).toBe(true); // forgotten, so new again
  });
});
