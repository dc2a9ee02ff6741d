import { CompletionRate } from './completion-rate';

describe('CompletionRate', () => {
  const at = (second: number, ms = 0) => second * 1000 + ms;
  const addMany = (rate: CompletionRate, n: number, when: number) => {
    for (let i = 0; i < n; i++) rate.add(when);
  };

  it('averages over the window, the current second included', () => {
    const rate = new CompletionRate(5);
    addMany(rate, 100, at(10, 500));
    addMany(rate, 400, at(11, 500));
    expect(rate.inWindow(at(11, 900))).toBe(500);
    expect(rate.perSecond(at(11, 900))).toBe(100);
    expect(rate.perSecond(at(15, 0))).toBe(80); // seconds 11 to 15: 400 / 5
    expect(rate.perSecond(at(16, 0))).toBe(0);
  });

  it('after a quiet spell, the recent rate is what happens now, where the average trails it', () => {
    const rate = new CompletionRate(5);
    addMany(rate, 1000, at(20, 900)); // the first second of a burst of 1,000/s
    addMany(rate, 500, at(21, 500)); // half of the next second
    expect(rate.perSecond(at(21, 500))).toBe(300);
    expect(rate.recentPerSecond(at(21, 500))).toBe(1000); // 500 now, and half of the last second's 1,000
    addMany(rate, 200, at(21, 700));
    expect(rate.recentPerSecond(at(21, 700))).toBe(1000); // 700, and 300 of the last second's
    addMany(rate, 300, at(21, 800));
    expect(rate.recentPerSecond(at(21, 800))).toBe(1200);
  });

  it('never scales a partial second up, and forgets seconds older than the last one', () => {
    const rate = new CompletionRate(5);
    addMany(rate, 30, at(30, 100)); // a burst of replies landing together says 30, not 300/s
    expect(rate.recentPerSecond(at(30, 100))).toBe(30);
    expect(rate.recentPerSecond(at(31, 100))).toBe(27); // 90 % of second 30 is within the last 1,000 ms
    expect(rate.recentPerSecond(at(32, 100))).toBe(0);
    expect(rate.perSecond(at(32, 100))).toBe(6);
  });
});
