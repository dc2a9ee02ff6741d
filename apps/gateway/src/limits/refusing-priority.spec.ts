import { RefusingPriority } from './refusing-priority';

describe(RefusingPriority.name, () => {
  let now = 0;
  let nice = 0;
  const sets: number[] = [];
  const warn = jest.fn();
  const priority = (o: { nice: number; set?: (n: number) => void }) =>
    new RefusingPriority({
      nice: o.nice,
      holdMs: 1000,
      now: () => now,
      supported: true,
      get: () => nice,
      set:
        o.set ??
        ((n) => {
          sets.push(n);
          nice = n;
        }),
      logger: { log: jest.fn(), warn },
    });

  beforeEach(() => {
    jest.useFakeTimers();
    [now, nice] = [0, 0];
    sets.length = 0;
    warn.mockReset();
  });
  afterEach(() => jest.useRealTimers());

  const advance = (ms: number) => {
    now += ms;
    jest.advanceTimersByTime(ms);
  };

  it('raises the thread at the first refusal, once, and lowers it a hold after the last', () => {
    const p = priority({ nice: -10 });

    p.refused();
    advance(600);
    p.refused();
    advance(600);

    expect(sets).toEqual([-10]);
    expect(nice).toBe(-10);

    advance(600);

    expect(sets).toEqual([-10, 0]);
    expect(nice).toBe(0);
  });

  it('raises it again at the next overload', () => {
    const p = priority({ nice: -10 });
    p.refused();
    advance(2000);

    p.refused();

    expect(sets).toEqual([-10, 0, -10]);
    p.close();
    expect(nice).toBe(0);
  });

  it('does nothing when off (0), or when the thread is already as high, and asks no more after that', () => {
    priority({ nice: 0 }).refused();
    nice = -15;
    const p = priority({ nice: -10 });
    p.refused();
    nice = 0;
    p.refused();

    expect(sets).toEqual([]);
  });

  it("does nothing where a nice value is the whole process's (not Linux)", () => {
    new RefusingPriority({
      nice: -10,
      holdMs: 1000,
      supported: false,
      get: () => 0,
      set: (n) => sets.push(n),
    }).refused();

    expect(sets).toEqual([]);
  });

  it('stays down once closed', () => {
    const p = priority({ nice: -10 });
    p.refused();
    p.close();
    p.refused();

    expect(sets).toEqual([-10, 0]);
    expect(nice).toBe(0);
  });

  it('warns once and stays off without the capability', () => {
    const set = jest.fn(() => {
      throw new Error('EACCES');
    });
    const p = priority({ nice: -10, set });

    p.refused();
    advance(2000);
    p.refused();

    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('CAP_SYS_NICE');
    expect(set).toHaveBeenCalledTimes(1); // not asked again, nor set back: it was never raised
  });
});
