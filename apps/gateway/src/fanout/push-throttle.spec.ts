import { PushThrottle } from './push-throttle';

describe(PushThrottle.name, () => {
  let now = 0;
  let pushes: [string, boolean][] = [];
  let sut: PushThrottle;
  const ask = (key: string) => sut.push(key, (late) => pushes.push([key, late]));

  beforeEach(() => {
    jest.useFakeTimers();
    now = 0;
    pushes = [];
    sut = new PushThrottle(1000, () => now);
  });
  afterEach(() => {
    sut.clear();
    jest.useRealTimers();
  });
  const advance = (ms: number) => {
    now += ms;
    jest.advanceTimersByTime(ms);
  };

  it('the first push runs at once; those within the interval fold into one at its end', () => {
    ask('c1');
    expect(pushes).toEqual([['c1', false]]);
    advance(200);
    ask('c1');
    advance(300);
    ask('c1');
    expect(pushes).toHaveLength(1);
    expect(sut.waitingCount).toBe(1);
    advance(499);
    expect(pushes).toHaveLength(1);
    advance(1);
    expect(pushes).toEqual([
      ['c1', false],
      ['c1', true],
    ]);
    expect(sut.waitingCount).toBe(0);
  });

  it('after a quiet interval the next push runs at once again', () => {
    ask('c1');
    advance(1000);
    ask('c1');
    expect(pushes).toEqual([
      ['c1', false],
      ['c1', false],
    ]);
  });

  it('keys are throttled apart', () => {
    ask('c1');
    ask('c2');
    ask('c1');
    expect(pushes).toEqual([
      ['c1', false],
      ['c2', false],
    ]);
  });

  it('a whole push by another path drops the waiting one and starts the interval anew', () => {
    ask('c1');
    advance(100);
    ask('c1');
    sut.pushed('c1'); // e.g. a tag change pushed the whole view
    advance(2000);
    expect(pushes).toEqual([['c1', false]]);
    ask('c1');
    expect(pushes).toHaveLength(2);
  });

  it('a forgotten key pushes nothing late, and its next push runs at once', () => {
    ask('c1');
    ask('c1');
    sut.forget('c1');
    advance(2000);
    expect(pushes).toEqual([['c1', false]]);
    ask('c1');
    expect(pushes).toEqual([
      ['c1', false],
      ['c1', false],
    ]);
  });
});
