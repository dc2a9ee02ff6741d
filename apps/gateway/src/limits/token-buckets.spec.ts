import { TokenBuckets } from './token-buckets';

describe(TokenBuckets.name, () => {
  const t0 = 1_700_000_000_000;

  it('allows a burst of `burst` hits at once, then refuses', () => {
    const sut = new TokenBuckets({ ratePerSecond: 1, burst: 3 });
    expect([1, 2, 3, 4].map(() => sut.take('v1', t0).allowed)).toEqual([true, true, true, false]);
  });

  it('counts each key apart', () => {
    const sut = new TokenBuckets({ ratePerSecond: 1, burst: 1 });
    expect(sut.take('a', t0).allowed).toBe(true);
    expect(sut.take('b', t0).allowed).toBe(true);
    expect(sut.take('a', t0).allowed).toBe(false);
  });

  it('refills at the rate: a sustained flow at the rate is never refused', () => {
    const sut = new TokenBuckets({ ratePerSecond: 10, burst: 10 });
    const answers = Array.from({ length: 1000 }, (_, i) => sut.take('v', t0 + i * 100).allowed);
    expect(answers.every(Boolean)).toBe(true);
  });

  it('tells when to retry: when one token is back', () => {
    const sut = new TokenBuckets({ ratePerSecond: 2, burst: 1 });
    sut.take('a', t0);
    expect(sut.take('a', t0 + 100)).toEqual({ allowed: false, retryAfterMs: 400 });
    expect(sut.take('a', t0 + 500).allowed).toBe(true);
  });

  it('refused hits take nothing: a flood does not extend the wait', () => {
    const sut = new TokenBuckets({ ratePerSecond: 1, burst: 1 });
    sut.take('a', t0);
    for (let i = 1; i < 100; i++) sut.take('a', t0 + i * 10);
    expect(sut.take('a', t0 + 1000).allowed).toBe(true);
  });

  it('never fills above the burst, however long the key was quiet', () => {
    const sut = new TokenBuckets({ ratePerSecond: 100, burst: 2 });
    sut.take('a', t0);
    const later = t0 + 3_600_000;
    expect([1, 2, 3].map(() => sut.take('a', later).allowed)).toEqual([true, true, false]);
  });

  it('a clock going back takes no token away nor gives one', () => {
    const sut = new TokenBuckets({ ratePerSecond: 1, burst: 1 });
    sut.take('a', t0);
    expect(sut.take('a', t0 - 10_000).allowed).toBe(false);
    expect(sut.take('a', t0 + 1000).allowed).toBe(true);
  });

  it('keeps at most maxKeys buckets, however many keys hit within one window', () => {
    const sut = new TokenBuckets({ ratePerSecond: 1, burst: 5 }, 10);
    for (let i = 0; i < 10_000; i++) sut.take(`10.0.${i >> 8}.${i & 255}`, t0);
    expect(sut.trackedKeys).toBe(10);
  });

  it('evicts the least recently used key: a busy key keeps its empty bucket', () => {
    const sut = new TokenBuckets({ ratePerSecond: 1, burst: 1 }, 3);
    sut.take('busy', t0);
    sut.take('quiet-1', t0);
    sut.take('quiet-2', t0);
    expect(sut.take('busy', t0).allowed).toBe(false); // used last now
    sut.take('new', t0); // evicts quiet-1, the least recently used
    expect(sut.take('busy', t0).allowed).toBe(false);
    expect(sut.take('quiet-1', t0).allowed).toBe(true); // forgotten: a full bucket again
  });

  it('forgets a key on demand (a closed socket)', () => {
    const sut = new TokenBuckets({ ratePerSecond: 1, burst: 1 });
    sut.take('s', t0);
    sut.forget('s');
    expect(sut.trackedKeys).toBe(0);
    expect(sut.take('s', t0).allowed).toBe(true);
  });

  it('refuses a limit that could never allow anything', () => {
    expect(() => new TokenBuckets({ ratePerSecond: 0, burst: 1 })).toThrow();
    expect(() => new TokenBuckets({ ratePerSecond: 1, burst: 0 })).toThrow();
  });
});
