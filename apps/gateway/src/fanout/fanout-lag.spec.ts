import { FanoutLag } from './fanout-lag';

describe(FanoutLag.name, () => {
  const T0 = Date.parse('2026-12-01T10:00:00.000Z');
  const at = (ms: number) => T0 + ms;

  beforeEach(() => jest.useFakeTimers({ now: T0 }));
  afterEach(() => jest.useRealTimers());

  const lagWithLimit = (limit: number) => new FanoutLag({ FANOUT_LAG_LIMIT_MS: limit });

  it('is the age of the last event read, from the time its service published it', () => {
    const sut = lagWithLimit(2000);
    jest.setSystemTime(T0 + 3000);

    sut.observe(at(500));

    expect(sut.current()).toBe(2500);
  });

  it('follows the newest event: a feed that caught up is no longer behind', () => {
    const sut = lagWithLimit(2000);
    jest.setSystemTime(T0 + 5000);
    sut.observe(at(0));

    sut.observe(at(4990));

    expect(sut.current()).toBe(10);
    expect(sut.refusal()).toBeNull();
  });

  it('past its limit refuses: 503 UNAVAILABLE at once, with a Retry-After of the lag in seconds', () => {
    const sut = lagWithLimit(2000);
    jest.setSystemTime(T0 + 4500);
    sut.observe(at(0));

    const refusal = sut.refusal();

    expect(refusal).toMatchObject({ code: 'UNAVAILABLE', retryAfterSeconds: 5 });
  });

  it('at its limit does not refuse', () => {
    const sut = lagWithLimit(2000);
    jest.setSystemTime(T0 + 2000);
    sut.observe(at(0));

    expect(sut.refusal()).toBeNull();
  });

  it('says nothing after a second with nothing read (nothing waits), so it never refuses for good', () => {
    const sut = lagWithLimit(2000);
    jest.setSystemTime(T0 + 10_000);
    sut.observe(at(0));

    jest.setSystemTime(T0 + 11_001);

    expect(sut.current()).toBe(0);
    expect(sut.refusal()).toBeNull();
  });

  it('limit 0: never refuses on this account', () => {
    const sut = lagWithLimit(0);
    jest.setSystemTime(T0 + 60_000);
    sut.observe(at(0));

    expect(sut.refusal()).toBeNull();
  });

  it('an event from a clock ahead of this one counts as no lag; an unreadable time is ignored', () => {
    const sut = lagWithLimit(2000);
    sut.observe(at(300));
    expect(sut.current()).toBe(0);

    sut.observe(Number(undefined));
    expect(sut.current()).toBe(0);
  });
});
