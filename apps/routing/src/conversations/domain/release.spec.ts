import { releaseOutcome } from './release';

describe(releaseOutcome.name, () => {
  it('R7: released after a visitor message, it goes straight back to the queue', () => {
    expect(releaseOutcome('visitor')).toBe('queued');
  });

  it('R8: released after an agent message, it waits', () => {
    expect(releaseOutcome('agent')).toBe('released');
  });

  it('R7: released with no message at all, it goes back to the queue', () => {
    expect(releaseOutcome(null)).toBe('queued');
  });
});
