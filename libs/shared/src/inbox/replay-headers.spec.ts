import { REPLAY_FOR_HEADER, replayedForOthers } from './replay-headers';

describe(replayedForOthers.name, () => {
  it('lets every consumer apply a record that is not a replay', () => {
    expect(replayedForOthers(undefined, 'routing')).toBe(false);
    expect(replayedForOthers({ other: 'x' }, 'routing')).toBe(false);
  });

  it('lets only the consumers named apply a replay (as kafkajs hands headers: buffers)', () => {
    const headers = { [REPLAY_FOR_HEADER]: Buffer.from('routing,billing') };
    expect(replayedForOthers(headers, 'routing')).toBe(false);
    expect(replayedForOthers(headers, 'billing')).toBe(false);
    expect(replayedForOthers(headers, 'conversation')).toBe(true);
    expect(replayedForOthers(headers, 'gateway-3000')).toBe(true);
  });
});
