import { MIN_ANSWERS_PER_SECOND, UsualLatency } from './usual-latency';

/** `count` answers of `ms` each within the second starting at `second` s. */
function answer(
  sut: UsualLatency,
  second: number,
  ms: number | number[],
  count = MIN_ANSWERS_PER_SECOND,
): void {
  for (let i = 0; i < count; i++) sut.add(second * 1000 + i, Array.isArray(ms) ? ms[i % ms.length] : ms);
}

describe(UsualLatency.name, () => {
  it('knows nothing until a second with enough answers is over', () => {
    const sut = new UsualLatency();
    expect(sut.ms(0)).toBeUndefined();
    answer(sut, 0, 40);
    expect(sut.ms(999)).toBeUndefined();
    expect(sut.ms(1000)).toBe(40);
  });

  it("takes a second's mean (what waits is the rate times the mean), and the lowest second's", () => {
    const sut = new UsualLatency();
    answer(sut, 0, [30, 30, 30, 110]);
    answer(sut, 1, [20, 80]);
    expect(sut.ms(2000)).toBe(50);
  });

  it('is the lowest mean of the window: an overload raises its own seconds only', () => {
    const sut = new UsualLatency(300);
    answer(sut, 0, 40);
    answer(sut, 1, 35);
    for (let s = 2; s < 12; s++) answer(sut, s, 800);
    expect(sut.ms(12_000)).toBe(35);
  });

  it('forgets what is older than the window: a lasting change becomes the usual', () => {
    const sut = new UsualLatency(10);
    answer(sut, 0, 20);
    for (let s = 1; s < 6; s++) answer(sut, s, 60 + s);
    expect(sut.ms(6000)).toBe(20);
    for (let s = 6; s < 12; s++) answer(sut, s, 60 + s);
    // The window is seconds 3–11 now.
    expect(sut.ms(12_000)).toBe(63);
  });

  it('closes no second when the clock is set back', () => {
    const sut = new UsualLatency();
    answer(sut, 5, 40);
    answer(sut, 4, 10);
    expect(sut.ms(4000)).toBeUndefined();
    expect(sut.ms(6000)).toBe(25);
  });

  it('leaves out seconds with too few answers to say much', () => {
    const sut = new UsualLatency();
    answer(sut, 0, 5, MIN_ANSWERS_PER_SECOND - 1);
    answer(sut, 1, 50);
    expect(sut.ms(2000)).toBe(50);
  });
});
