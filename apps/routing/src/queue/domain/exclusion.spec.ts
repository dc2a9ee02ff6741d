import { excludedAgent, exclusionEnds } from './exclusion';

describe(exclusionEnds.name, () => {
  const now = new Date('2026-11-25T10:00:00.000Z');
  const timeouts = { firstResponseMs: 300_000, responseMs: 43_200_000, inactivityCloseMs: 604_800_000 };

  it('R9: kept away from the agent for a first-response period', () => {
    expect(exclusionEnds('first_response_timeout', now, timeouts)).toEqual(
      new Date('2026-11-25T10:05:00.000Z'),
    );
  });

  it('R10: the same wait, not twelve hours: the visitor has waited long enough already', () => {
    expect(exclusionEnds('response_timeout', now, timeouts)).toEqual(new Date('2026-11-25T10:05:00.000Z'));
  });

  it('R7: released, only the matching round of the release itself looks elsewhere first', () => {
    expect(exclusionEnds('released', now, timeouts)).toEqual(now);
  });
});

describe(excludedAgent.name, () => {
  const until = new Date('2026-11-25T10:05:00.000Z');

  it('names the agent until the end of the wait, inclusive', () => {
    expect(excludedAgent({ excludeAgentId: 'a', excludeUntil: until }, until)).toBe('a');
    expect(
      excludedAgent({ excludeAgentId: 'a', excludeUntil: until }, new Date(until.getTime() + 1)),
    ).toBeNull();
  });

  it('no agent or no end: nobody is kept away', () => {
    expect(excludedAgent({ excludeAgentId: null, excludeUntil: until }, until)).toBeNull();
    expect(excludedAgent({ excludeAgentId: 'a', excludeUntil: null }, until)).toBeNull();
  });
});
