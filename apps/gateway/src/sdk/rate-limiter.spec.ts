import { SlidingWindowRateLimiter } from './rate-limiter';

describe(SlidingWindowRateLimiter.name, () => {
  const t0 = 1_700_000_000_000;

  it('allows up to the limit within the window, then refuses', () => {
    const sut = new SlidingWindowRateLimiter(3, 60_000);
    expect([1, 2, 3].map((i) => sut.hit('1.2.3.4', t0 + i).allowed)).toEqual([true, true, true]);
    expect(sut.hit('1.2.3.4', t0 + 4).allowed).toBe(false);
  });

  it('counts each address apart', () => {
    const sut = new SlidingWindowRateLimiter(1, 60_000);
    expect(sut.hit('a', t0).allowed).toBe(true);
    expect(sut.hit('b', t0).allowed).toBe(true);
    expect(sut.hit('a', t0 + 1).allowed).toBe(false);
  });

  it('slides: a hit leaves the window one window after it happened', () => {
    const sut = new SlidingWindowRateLimiter(2, 60_000);
    sut.hit('a', t0);
    sut.hit('a', t0 + 30_000);
    expect(sut.hit('a', t0 + 59_999).allowed).toBe(false);
    expect(sut.hit('a', t0 + 60_000).allowed).toBe(true);
    expect(sut.hit('a', t0 + 60_001).allowed).toBe(false);
  });

  it('tells when to retry: when the oldest counted hit leaves the window', () => {
    const sut = new SlidingWindowRateLimiter(1, 60_000);
    sut.hit('a', t0);
    expect(sut.hit('a', t0 + 15_000)).toEqual({ allowed: false, retryAfterMs: 45_000 });
  });

  it('refused hits do not extend the wait', () => {
    const sut = new SlidingWindowRateLimiter(1, 60_000);
    sut.hit('a', t0);
    for (let i = 1; i < 100; i++) sut.hit('a', t0 + i * 100);
    expect(sut.hit('a', t0 + 60_000).allowed).toBe(true);
  });

  it('forgets addresses that stopped hitting', () => {
    const sut = new SlidingWindowRateLimiter(5, 60_000);
    for (let i = 0; i < 50; i++) sut.hit(`10.0.0.${i}`, t0);
    sut.hit('late', t0 + 120_000);
    expect(sut.trackedKeys).toBe(1);
  });
});
