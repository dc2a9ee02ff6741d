import { backoffDelay, parseRetryAfter } from './backoff';

describe(backoffDelay.name, () => {
  const policy = { baseMs: 500, capMs: 30_000 };

  it('draws uniformly below base·2^(attempt-1) (full jitter)', () => {
    expect(backoffDelay(1, () => 0, policy)).toBe(0);
    expect(backoffDelay(1, () => 0.5, policy)).toBe(250);
    expect(backoffDelay(2, () => 0.5, policy)).toBe(500);
    expect(backoffDelay(4, () => 0.5, policy)).toBe(2000);
    expect(backoffDelay(4, () => 0.999999, policy)).toBe(3999);
  });

  it('never goes past the cap, even after very many attempts', () => {
    expect(backoffDelay(7, () => 0.999999, policy)).toBe(29_999);
    expect(backoffDelay(5000, () => 0.5, policy)).toBe(15_000);
  });

  it('waits at least what Retry-After asks, spread over half of it again, and more if the jitter says so', () => {
    expect(backoffDelay(1, () => 0, policy, 3000)).toBe(3000);
    expect(backoffDelay(1, () => 0.1, policy, 3000)).toBe(3150);
    expect(backoffDelay(1, () => 0.999999, policy, 3000)).toBe(4499);
    expect(backoffDelay(8, () => 0.5, policy, 3000)).toBe(15_000);
    expect(backoffDelay(1, () => 0.5, policy, 60_000)).toBe(75_000);
    expect(backoffDelay(3, () => 0.5, policy, 0)).toBe(1000);
  });

  it('never waits longer than a timer can hold, whatever date Retry-After names or cap is set', () => {
    expect(backoffDelay(1, () => 0.5, policy, 40 * 24 * 3600 * 1000)).toBe(2 ** 31 - 1);
    expect(backoffDelay(40, () => 0.999, { baseMs: 500, capMs: 2 ** 40 })).toBe(2 ** 31 - 1);
  });

  it('spreads the devices refused together over Retry-After to one and a half times it', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = Array.from({ length: 1000 }, () => backoffDelay(1, random, policy, 8000));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(8000);
    expect(Math.min(...delays)).toBeLessThan(8100);
    expect(Math.max(...delays)).toBeGreaterThan(11_900);
    expect(Math.max(...delays)).toBeLessThan(12_000);
    // No second of the window gets much more than its share (250 of 1,000 per second over 4 s).
    const perSecond = [0, 0, 0, 0];
    for (const d of delays) perSecond[Math.floor((d - 8000) / 1000)]++;
    expect(Math.max(...perSecond)).toBeLessThan(300);
  });

  it('spreads many devices over the whole window', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = Array.from({ length: 1000 }, () => backoffDelay(3, random, policy));
    expect(Math.min(...delays)).toBeLessThan(100);
    expect(Math.max(...delays)).toBeGreaterThan(1900);
    expect(Math.max(...delays)).toBeLessThan(2000);
  });
});

describe(parseRetryAfter.name, () => {
  const now = Date.parse('2026-01-01T00:00:00.000Z');

  it('reads delta-seconds and HTTP dates; ignores what it cannot read', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
