import { isInactiveSince } from './inactivity';

describe(isInactiveSince.name, () => {
  const basis = new Date('2026-11-01T10:00:00.000Z');
  const later = new Date('2026-11-07T09:00:00.000Z');

  it('R11: the agent wrote last, at the time routing counted from: inactive', () => {
    expect(isInactiveSince({ author: 'agent', at: basis }, basis)).toBe(true);
  });

  it('R11: the visitor wrote after the agent: not inactive', () => {
    expect(isInactiveSince({ author: 'visitor', at: later }, basis)).toBe(false);
  });

  it('the agent wrote again after the message routing counted from: routing was behind, not inactive', () => {
    expect(isInactiveSince({ author: 'agent', at: later }, basis)).toBe(false);
  });

  it('no message at all: nothing to close for inactivity', () => {
    expect(isInactiveSince(null, basis)).toBe(false);
  });
});
