import { changesChoice, statusOf } from './agent-status';

describe('statusOf', () => {
  it('Available agent: connected to the desk, not away', () => {
    expect(statusOf({ connections: 1, away: false })).toBe('available');
  });

  it('Available agent: connected but away is not available', () => {
    expect(statusOf({ connections: 2, away: true })).toBe('away');
  });

  it('Disconnect: with no desk connection the agent is offline, whatever they chose', () => {
    expect(statusOf({ connections: 0, away: false })).toBe('offline');
    expect(statusOf({ connections: 0, away: true })).toBe('offline');
  });
});

describe('changesChoice', () => {
  it('asking for the status already chosen changes nothing', () => {
    expect(changesChoice({ away: false }, 'available')).toBe(false);
    expect(changesChoice({ away: true }, 'away')).toBe(false);
  });

  it('asking for the other one is a change', () => {
    expect(changesChoice({ away: false }, 'away')).toBe(true);
    expect(changesChoice({ away: true }, 'available')).toBe(true);
  });
});
