import { releaseOutcome, statusAfterVisitorMessage } from './release';

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

describe(statusAfterVisitorMessage.name, () => {
  it('R8: when the visitor next writes, a released conversation goes back to the queue', () => {
    expect(statusAfterVisitorMessage('released')).toBe('queued');
  });

  it('R8: a queued conversation stays queued', () => {
    expect(statusAfterVisitorMessage('queued')).toBe('queued');
  });

  it('R8: an assigned conversation stays with its agent', () => {
    expect(statusAfterVisitorMessage('assigned')).toBe('assigned');
  });

  it('R13: a visitor message after a close never reopens it', () => {
    expect(statusAfterVisitorMessage('closed')).toBe('closed');
  });
});
