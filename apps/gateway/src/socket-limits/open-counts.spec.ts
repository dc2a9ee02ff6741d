import { OpenCounts } from './open-counts';

describe(OpenCounts.name, () => {
  it('counts per key, forgetting a key at zero and never going below it', () => {
    const sut = new OpenCounts();
    expect([sut.add('a'), sut.add('a'), sut.add('b')]).toEqual([1, 2, 1]);
    expect([sut.of('a'), sut.of('c')]).toEqual([2, 0]);
    expect([sut.remove('a'), sut.remove('a'), sut.remove('a')]).toEqual([1, 0, 0]);
    expect(sut.size).toBe(1);
  });
});
