import { PresenceCounts } from './presence-counts';

describe(PresenceCounts.name, () => {
  it("counts each visitor's sockets, forgetting those with none", () => {
    const sut = new PresenceCounts(() => 1000);
    expect(sut.add('a', 1).sockets).toBe(1);
    expect(sut.add('a', 1).sockets).toBe(2);
    expect(sut.add('b', 1).sockets).toBe(1);
    expect(sut.add('a', -1).sockets).toBe(1);
    expect(sut.add('a', -1).sockets).toBe(0);
    expect(sut.add('a', -1).sockets).toBe(0);
    expect(sut.visitors).toBe(1);
  });

  it('gives increasing sequence numbers, from the clock, even within one millisecond', () => {
    let now = 5000;
    const sut = new PresenceCounts(() => now);
    const seqs = [sut.add('a', 1).seq, sut.add('a', -1).seq, sut.nextSeq()];
    expect(seqs).toEqual([5000, 5001, 5002]);
    now = 9000;
    expect(sut.add('a', 1).seq).toBe(9000);
  });

  it('a restarted instance starts above what the previous run reported (the clock moved on)', () => {
    const before = new PresenceCounts(() => 1000);
    const last = before.add('a', 1).seq;
    const after = new PresenceCounts(() => 1001);
    expect(after.add('a', 1).seq).toBeGreaterThan(last);
  });
});
