import { toHttpError } from '../http';
import { DeskFeedLag } from './desk-feed-lag';

/** A DeskFeedLag on a clock the test moves, with a 2-s limit unless told. */
function lagWith(limitMs = 2000) {
  const clock = { ms: 1_000 };
  const lag = new DeskFeedLag({ DESK_FEED_LAG_LIMIT_MS: limitMs });
  jest.spyOn(lag, 'now').mockImplementation(() => clock.ms);
  return { lag, advance: (ms: number) => (clock.ms += ms) };
}

const retryAfterOf = (lag: DeskFeedLag) => {
  const refusal = lag.refusal();
  return refusal && toHttpError(refusal).retryAfterSeconds;
};

describe(DeskFeedLag.name, () => {
  it('measures the age of the oldest accepted message the feed has not read', () => {
    const { lag, advance } = lagWith();
    expect(lag.lagMs()).toBe(0);
    lag.accepted('m1');
    advance(500);
    lag.accepted('m2');
    advance(1000);
    expect(lag.lagMs()).toBe(1500);
    lag.read('m1');
    expect(lag.lagMs()).toBe(1000);
    lag.read('m2');
    expect(lag.lagMs()).toBe(0);
  });

  it('refuses past the limit, with Retry-After the lag in seconds, and lets in again once the feed reads', () => {
    const { lag, advance } = lagWith();
    lag.accepted('m1');
    advance(2000);
    expect(lag.refusal()).toBeNull();
    advance(1);
    expect(toHttpError(lag.refusal()!)).toMatchObject({
      status: 503,
      body: { error: { code: 'UNAVAILABLE' } },
    });
    expect(retryAfterOf(lag)).toBe(3);
    lag.read('m1');
    expect(lag.refusal()).toBeNull();
  });

  it('Retry-After is at most 10 s, however far behind', () => {
    const { lag, advance } = lagWith(8000);
    lag.accepted('m1');
    advance(20_000);
    expect(retryAfterOf(lag)).toBe(10);
  });

  it('a feed that reads nothing at all is behind: the wait grows on this clock', () => {
    const { lag, advance } = lagWith();
    lag.accepted('m1');
    advance(5000);
    expect(lag.lagMs()).toBe(5000);
    expect(lag.refusal()).not.toBeNull();
  });

  it("an event read before its message's 201 is counted (it can overtake the reply): nothing waits", () => {
    const { lag, advance } = lagWith();
    lag.read('m1');
    lag.accepted('m1');
    advance(5000);
    expect(lag.lagMs()).toBe(0);
  });

  it("other instances' messages and events read after a restart never make it wait", () => {
    const { lag, advance } = lagWith();
    for (let i = 0; i < 100; i++) lag.read(`elsewhere-${i}`);
    advance(60_000);
    expect(lag.lagMs()).toBe(0);
    expect(lag.refusal()).toBeNull();
  });

  it('a message answered 201 twice (a retry while it waited) waits from its first answer', () => {
    const { lag, advance } = lagWith();
    lag.accepted('m1');
    advance(1500);
    lag.accepted('m1');
    advance(1000);
    expect(lag.lagMs()).toBe(2500);
  });

  it('a message whose event never comes shuts the door for at most twice the limit, then is forgotten', () => {
    const { lag, advance } = lagWith(2000);
    lag.accepted('lost');
    advance(2001);
    expect(lag.refusal()).not.toBeNull();
    advance(3999); // 6 s: three times the limit
    expect(lag.refusal()).not.toBeNull();
    advance(1);
    expect(lag.lagMs()).toBe(0);
    expect(lag.refusal()).toBeNull();
  });

  it('a feed further behind than that is throttled, not shut: what waited is forgotten, new messages get in', () => {
    const { lag, advance } = lagWith(2000);
    for (let i = 0; i < 100; i++) lag.accepted(`old-${i}`);
    advance(6001);
    expect(lag.refusal()).toBeNull();
    lag.accepted('new');
    advance(2001);
    expect(lag.refusal()).not.toBeNull();
  });

  it('reads out of order: the oldest unread one counts, whatever was read after it', () => {
    const { lag, advance } = lagWith();
    for (let i = 0; i < 5000; i++) {
      lag.accepted(`m${i}`);
      advance(1);
    }
    for (let i = 4999; i >= 1; i--) lag.read(`m${i}`);
    expect(lag.lagMs()).toBe(5000);
    lag.read('m0');
    expect(lag.lagMs()).toBe(0);
    lag.accepted('next');
    advance(10);
    expect(lag.lagMs()).toBe(10);
  });

  it('limit 0: off, nothing kept and never a refusal', () => {
    const { lag, advance } = lagWith(0);
    lag.accepted('m1');
    advance(10_000);
    expect(lag.lagMs()).toBe(0);
    expect(lag.refusal()).toBeNull();
  });
});
