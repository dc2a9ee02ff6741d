import { consumerLiveness } from './liveness';

describe(consumerLiveness.name, () => {
  const now = 1_000_000;

  it('a loop that showed progress within the threshold is alive', () => {
    expect(consumerLiveness({ dead: null, lastProgressAt: now - 5_000 }, now, 60_000)).toEqual({
      live: true,
    });
  });

  it('a loop quiet for longer than the threshold is not (stuck in a handler)', () => {
    const sut = consumerLiveness({ dead: null, lastProgressAt: now - 61_000 }, now, 60_000);
    expect(sut.live).toBe(false);
    expect(sut.reason).toMatch(/no progress for 61 s/);
  });

  it('a dead loop is not alive, however recent its last progress', () => {
    const sut = consumerLiveness(
      { dead: 'consumer crashed and will not restart: boom', lastProgressAt: now },
      now,
      60_000,
    );
    expect(sut).toEqual({ live: false, reason: 'consumer crashed and will not restart: boom' });
  });
});
