import { deadlinesOf, deadlinesView, type ConversationTimeline, type TimeoutConfig } from './deadlines';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const config: TimeoutConfig = { firstResponseMs: 5 * MIN, responseMs: 12 * HOUR, inactivityCloseMs: 7 * DAY };

const t0 = new Date('2025-01-01T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

function timeline(overrides: Partial<ConversationTimeline> = {}): ConversationTimeline {
  return {
    status: 'assigned',
    assignedAt: t0,
    hasAgentMessage: false,
    lastMessageAuthor: 'visitor',
    lastVisitorMessageAt: t0,
    lastAgentMessageAt: null,
    ...overrides,
  };
}

describe(deadlinesOf.name, () => {
  it('R9: takes it away 5 minutes after assignment when no agent message', () => {
    expect(deadlinesOf(timeline(), config)).toEqual({
      reassignAt: at(5 * MIN),
      closeAt: null,
      reassignReason: 'first_response_timeout',
    });
  });

  it('R9: the clock starts at the assignment to the current agent, not at the visitor message', () => {
    const sut = deadlinesOf(timeline({ lastVisitorMessageAt: t0, assignedAt: at(40 * MIN) }), config);
    expect(sut.reassignAt).toEqual(at(45 * MIN));
    expect(sut.reassignReason).toBe('first_response_timeout');
  });

  it('R9: a queued conversation with no agent message has no deadline (time queued does not count)', () => {
    expect(deadlinesOf(timeline({ status: 'queued', assignedAt: null }), config)).toEqual({
      reassignAt: null,
      closeAt: null,
      reassignReason: null,
    });
  });

  it('R10: takes it away 12 hours after the visitor last message when unanswered', () => {
    const sut = deadlinesOf(
      timeline({
        hasAgentMessage: true,
        assignedAt: t0,
        lastAgentMessageAt: at(1 * MIN),
        lastVisitorMessageAt: at(2 * HOUR),
        lastMessageAuthor: 'visitor',
      }),
      config,
    );
    expect(sut).toEqual({ reassignAt: at(14 * HOUR), closeAt: null, reassignReason: 'response_timeout' });
  });

  it('R10: the clock starts at the later of the visitor last message and the assignment to the current agent', () => {
    const sut = deadlinesOf(
      timeline({
        hasAgentMessage: true,
        assignedAt: at(3 * HOUR),
        lastAgentMessageAt: at(1 * MIN),
        lastVisitorMessageAt: at(2 * HOUR),
        lastMessageAuthor: 'visitor',
      }),
      config,
    );
    expect(sut.reassignAt).toEqual(at(15 * HOUR));
    expect(sut.reassignReason).toBe('response_timeout');
  });

  it('R10: once the assigned agent has answered, nothing is taken away', () => {
    const sut = deadlinesOf(
      timeline({ hasAgentMessage: true, lastMessageAuthor: 'agent', lastAgentMessageAt: at(1 * MIN) }),
      config,
    );
    expect(sut.reassignAt).toBeNull();
    expect(sut.reassignReason).toBeNull();
  });

  it('R11: closes 7 days after the last agent message when the visitor sends nothing (on a desk)', () => {
    const sut = deadlinesOf(
      timeline({ hasAgentMessage: true, lastMessageAuthor: 'agent', lastAgentMessageAt: at(1 * MIN) }),
      config,
    );
    expect(sut.closeAt).toEqual(at(7 * DAY + 1 * MIN));
  });

  it('R11: closes 7 days after the last agent message whether it is on a desk or released', () => {
    const sut = deadlinesOf(
      timeline({
        status: 'released',
        assignedAt: null,
        hasAgentMessage: true,
        lastMessageAuthor: 'agent',
        lastAgentMessageAt: at(1 * MIN),
      }),
      config,
    );
    expect(sut).toEqual({ reassignAt: null, closeAt: at(7 * DAY + 1 * MIN), reassignReason: null });
  });

  it('R11: also runs while queued with the agent message last', () => {
    const sut = deadlinesOf(
      timeline({
        status: 'queued',
        assignedAt: null,
        hasAgentMessage: true,
        lastMessageAuthor: 'agent',
        lastAgentMessageAt: t0,
      }),
      config,
    );
    expect(sut.closeAt).toEqual(at(7 * DAY));
  });

  it('R11: a visitor message after the agent one stops the inactivity close', () => {
    const sut = deadlinesOf(
      timeline({
        hasAgentMessage: true,
        lastMessageAuthor: 'visitor',
        lastAgentMessageAt: t0,
        lastVisitorMessageAt: at(HOUR),
      }),
      config,
    );
    expect(sut.closeAt).toBeNull();
  });

  it('R9/R10 timeouts move, they do not close: no close date when the visitor waits for an answer', () => {
    expect(deadlinesOf(timeline(), config).closeAt).toBeNull();
  });

  it('R11/R12: a closed conversation has no deadlines', () => {
    expect(
      deadlinesOf(
        timeline({
          status: 'closed',
          hasAgentMessage: true,
          lastMessageAuthor: 'agent',
          lastAgentMessageAt: t0,
        }),
        config,
      ),
    ).toEqual({ reassignAt: null, closeAt: null, reassignReason: null });
  });

  it('Durations: the configured values are used, not hard-coded defaults', () => {
    const fast: TimeoutConfig = { firstResponseMs: 1_000, responseMs: 2_000, inactivityCloseMs: 3_000 };
    expect(deadlinesOf(timeline(), fast).reassignAt).toEqual(at(1_000));
  });
});

describe(deadlinesView.name, () => {
  it('shows the desk only the dates that are set, as ISO strings', () => {
    expect(deadlinesView({ reassignAt: at(5 * MIN), closeAt: null })).toEqual({
      reassignAt: at(5 * MIN).toISOString(),
    });
    expect(deadlinesView({ reassignAt: null, closeAt: at(DAY) })).toEqual({ closeAt: at(DAY).toISOString() });
    expect(deadlinesView({ reassignAt: null, closeAt: null })).toEqual({});
  });
});
