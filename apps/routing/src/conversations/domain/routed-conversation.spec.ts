import { movedByVisitorMessage } from '@pupitre/shared/domain';
import { DomainError } from '@pupitre/shared/errors';
import { deadlinesView, type TimeoutConfig } from './deadlines';
import { assertHeldBy, RoutedConversation, type TransferTarget } from './routed-conversation';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const timeouts: TimeoutConfig = {
  firstResponseMs: 5 * MIN,
  responseMs: 12 * HOUR,
  inactivityCloseMs: 7 * DAY,
};
const t0 = new Date('2026-11-25T10:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const iso = (ms: number) => at(ms).toISOString();
const ID = '00000000-0000-4000-8000-000000000001';
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

const sut = RoutedConversation;

function queued(channel: 'web_chat' | 'mobile_app' = 'web_chat') {
  return sut.open(ID, channel, t0).state;
}
function assigned(channel: 'web_chat' | 'mobile_app' = 'web_chat', agentId = A, when = 0) {
  return sut.assign(queued(channel), agentId, 'why', at(when), timeouts).state;
}
function codeOf(fn: () => unknown) {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof DomainError ? err.code : 'not a DomainError';
  }
}
const target = (over: Partial<TransferTarget> = {}): TransferTarget => ({
  agentId: B,
  status: 'available',
  slots: { chat: { used: 0, capacity: 3 }, mobile: { used: 0, capacity: 2 } },
  ...over,
});

describe('RoutedConversation.open', () => {
  it('Queue: a new conversation waits in the queue from the time it opened', () => {
    const t = sut.open(ID, 'mobile_app', t0);
    expect(t.state).toMatchObject({ status: 'queued', agentId: null, queuedAt: t0, channel: 'mobile_app' });
    expect(t.events).toEqual([
      { type: 'conversation.queued', data: { conversationId: ID, channel: 'mobile_app', queuedAt: iso(0) } },
    ]);
  });
});

describe('RoutedConversation.assign', () => {
  it('Available agent: the conversation goes to the agent, and uses one of their slots', () => {
    const t = sut.assign(queued(), A, 'the only one', at(MIN), timeouts);
    expect(t.state).toMatchObject({ status: 'assigned', agentId: A, assignedAt: at(MIN), queuedAt: null });
    expect(t.slotsChangedFor).toEqual([A]);
    expect(t.events).toEqual([
      {
        type: 'conversation.assigned',
        data: {
          conversationId: ID,
          channel: 'web_chat',
          agentId: A,
          assignedAt: iso(MIN),
          deadlines: { reassignAt: iso(MIN + 5 * MIN) },
          explanation: 'the only one',
        },
      },
    ]);
  });

  it('R9 reading: the first-response clock starts at the assignment, not when it was queued', () => {
    expect(sut.assign(queued(), A, 'why', at(HOUR), timeouts).state.reassignAt).toEqual(at(HOUR + 5 * MIN));
  });

  it('Who gets it: the agent it was kept away from is forgotten once it is assigned', () => {
    const released = sut.release(assigned(), A, at(MIN), timeouts).state;
    expect(released.excludeAgentId).toBe(A);
    const t = sut.assign(released, B, 'why', at(2 * MIN), timeouts);
    expect(t.state).toMatchObject({ excludeAgentId: null, excludeUntil: null });
  });

  it('refuses a conversation that is not queued (a conversation is never on two desks)', () => {
    expect(() => sut.assign(assigned(), B, 'why', at(MIN), timeouts)).toThrow(/cannot assign/);
  });
});

describe('RoutedConversation.release', () => {
  it('R6: the slot is freed at once and the conversation has no agent', () => {
    const t = sut.release(assigned(), A, at(MIN), timeouts);
    expect(t.state.agentId).toBeNull();
    expect(t.slotsChangedFor).toEqual([A]);
  });

  it('R7: released after a visitor message, it goes straight back to the queue, to someone else first', () => {
    const c = sut.onVisitorMessage(assigned(), at(10), timeouts).state;
    const t = sut.release(c, A, at(MIN), timeouts);
    expect(t.state).toMatchObject({
      status: 'queued',
      queuedAt: at(MIN),
      excludeAgentId: A,
      excludeUntil: at(MIN),
    });
    expect(t.events.map((e) => e.type)).toEqual(['conversation.unassigned', 'conversation.queued']);
    expect(t.events[0].data).toMatchObject({ agentId: A, reason: 'released', next: 'queued' });
  });

  it('R8: released after an agent message, it waits for the visitor (not queued)', () => {
    const c = sut.onAgentMessage(assigned(), at(10), timeouts).state;
    const t = sut.release(c, A, at(MIN), timeouts);
    expect(t.state).toMatchObject({ status: 'released', queuedAt: null, agentId: null });
    expect(t.events).toHaveLength(1);
    expect(t.events[0].data).toMatchObject({ reason: 'released', next: 'released' });
  });

  it('R11: a released conversation keeps its inactivity close', () => {
    const c = sut.onAgentMessage(assigned(), at(10), timeouts).state;
    expect(sut.release(c, A, at(MIN), timeouts).state.closeAt).toEqual(at(10 + 7 * DAY));
  });

  it('only the agent who holds it may release it (FORBIDDEN)', () => {
    expect(codeOf(() => sut.release(assigned(), B, at(MIN), timeouts))).toBe('FORBIDDEN');
    expect(codeOf(() => assertHeldBy(queued(), A))).toBe('FORBIDDEN');
  });
});

describe('RoutedConversation.onVisitorMessage', () => {
  it('R8: when the visitor next writes, the released conversation goes back to the queue', () => {
    const waiting = sut.release(
      sut.onAgentMessage(assigned(), at(10), timeouts).state,
      A,
      at(MIN),
      timeouts,
    ).state;
    const t = sut.onVisitorMessage(waiting, at(HOUR), timeouts);
    expect(t.state).toMatchObject({ status: 'queued', queuedAt: at(HOUR), lastAuthor: 'visitor' });
    expect(t.events[0]).toEqual({
      type: 'conversation.queued',
      data: { conversationId: ID, channel: 'web_chat', queuedAt: iso(HOUR) },
    });
  });

  it('R8: a conversation on a desk stays with its agent', () => {
    const t = sut.onVisitorMessage(assigned(), at(MIN), timeouts);
    expect(t.state).toMatchObject({ status: 'assigned', agentId: A });
    expect(t.events.some((e) => e.type === 'conversation.queued')).toBe(false);
  });

  it('R10: once the agent has written, an unanswered visitor message starts the 12-hour clock', () => {
    const answered = sut.onAgentMessage(assigned(), at(MIN), timeouts).state;
    const t = sut.onVisitorMessage(answered, at(2 * MIN), timeouts);
    expect(t.state).toMatchObject({
      reassignAt: at(2 * MIN + 12 * HOUR),
      reassignReason: 'response_timeout',
    });
    expect(t.events).toEqual([
      {
        type: 'conversation.deadlines-changed',
        data: {
          conversationId: ID,
          agentId: A,
          deadlines: { reassignAt: iso(2 * MIN + 12 * HOUR) },
          responseWindowMs: 12 * HOUR,
        },
      },
    ]);
  });

  it('R11: a visitor message after the agent one stops the inactivity close', () => {
    const answered = sut.onAgentMessage(assigned(), at(MIN), timeouts).state;
    expect(sut.onVisitorMessage(answered, at(2 * MIN), timeouts).state.closeAt).toBeNull();
  });

  it('R13: a visitor message after a close never reopens it', () => {
    const closed = sut.close(assigned(), timeouts).state;
    const t = sut.onVisitorMessage(closed, at(MIN), timeouts);
    expect(t.state).toBe(closed);
    expect(t.events).toEqual([]);
  });

  it('no deadline moved, no deadlines-changed event', () => {
    expect(sut.onVisitorMessage(assigned(), at(MIN), timeouts).events).toEqual([]);
  });

  describe('R10 moved by a further visitor message: not published, the window was', () => {
    /** Agent A answered at 1 min; the visitor's first message after it, at `ms`, started R10. */
    const waitingSince = (ms: number) =>
      sut.onVisitorMessage(sut.onAgentMessage(assigned(), at(MIN), timeouts).state, at(ms), timeouts).state;

    it('the first visitor message after an agent one publishes at once, with the window (R11 stops, R10 starts)', () => {
      const answered = sut.onAgentMessage(assigned(), at(MIN), timeouts).state;
      const t = sut.onVisitorMessage(answered, at(MIN + 100), timeouts);
      expect(t.events).toEqual([
        {
          type: 'conversation.deadlines-changed',
          data: {
            conversationId: ID,
            agentId: A,
            deadlines: { reassignAt: iso(MIN + 100 + 12 * HOUR) },
            responseWindowMs: 12 * HOUR,
          },
        },
      ]);
    });

    it('a further one moves the deadline routing acts on and publishes nothing', () => {
      const t = sut.onVisitorMessage(waitingSince(2 * MIN), at(2 * MIN + 700), timeouts);
      expect(t.state).toMatchObject({ reassignAt: at(2 * MIN + 700 + 12 * HOUR), lastAuthor: 'visitor' });
      expect(t.events).toEqual([]);
    });

    it('routing and those who show the deadlines agree: the window moves reassignAt as routing does', () => {
      let c = waitingSince(2 * MIN);
      let shown = { reassignAt: iso(2 * MIN + 12 * HOUR) };
      for (let ms = 2 * MIN + 200; ms <= 2 * MIN + 1000; ms += 200) {
        c = sut.onVisitorMessage(c, at(ms), timeouts).state;
        shown = movedByVisitorMessage(shown, 12 * HOUR, iso(ms)) as typeof shown;
      }
      expect(shown).toEqual(deadlinesView(c));
    });

    it('a visitor message older than the last counted never moves R10 back', () => {
      const c = sut.onVisitorMessage(waitingSince(2 * MIN), at(3 * MIN), timeouts).state;
      const t = sut.onVisitorMessage(c, at(2 * MIN + 500), timeouts);
      expect(t.state.reassignAt).toEqual(at(3 * MIN + 12 * HOUR));
      expect(t.state.lastVisitorMessageAt).toEqual(at(3 * MIN));
      expect(t.events).toEqual([]);
    });

    it('an agent message after moves publishes its deadlines at once, without a window (R10 stops)', () => {
      const moved = sut.onVisitorMessage(waitingSince(2 * MIN), at(2 * MIN + 500), timeouts).state;
      const t = sut.onAgentMessage(moved, at(3 * MIN), timeouts);
      expect(t.events).toEqual([
        {
          type: 'conversation.deadlines-changed',
          data: { conversationId: ID, agentId: A, deadlines: { closeAt: iso(3 * MIN + 7 * DAY) } },
        },
      ]);
    });

    it('given to another agent while R10 runs: the assignment carries the deadlines and the window', () => {
      const moved = sut.onVisitorMessage(waitingSince(2 * MIN), at(2 * MIN + 500), timeouts).state;
      const toB = sut.transfer(moved, A, target(), at(3 * MIN), timeouts);
      expect(toB.events.map((e) => e.type)).toEqual(['conversation.unassigned', 'conversation.assigned']);
      expect(toB.events[1].data).toMatchObject({
        deadlines: { reassignAt: iso(3 * MIN + 12 * HOUR) },
        responseWindowMs: 12 * HOUR,
      });
    });

    it('R9 still running (no agent message yet): a visitor message moves nothing and publishes nothing', () => {
      const t = sut.onVisitorMessage(
        sut.onVisitorMessage(assigned(), at(MIN), timeouts).state,
        at(2 * MIN),
        timeouts,
      );
      expect(t.events).toEqual([]);
    });
  });
});

describe('RoutedConversation.onAgentMessage', () => {
  it('R9: an agent message stops the first-response clock', () => {
    const t = sut.onAgentMessage(assigned(), at(MIN), timeouts);
    expect(t.state).toMatchObject({ reassignAt: null, hasAgentMessage: true, lastAuthor: 'agent' });
  });

  it('R11: the agent wrote last: closed 7 days later unless the visitor writes', () => {
    const t = sut.onAgentMessage(assigned(), at(MIN), timeouts);
    expect(t.state.closeAt).toEqual(at(MIN + 7 * DAY));
    expect(t.events).toEqual([
      {
        type: 'conversation.deadlines-changed',
        data: { conversationId: ID, agentId: A, deadlines: { closeAt: iso(MIN + 7 * DAY) } },
      },
    ]);
  });

  it('R11/R12: a closed conversation ignores late messages', () => {
    const closed = sut.close(assigned(), timeouts).state;
    expect(sut.onAgentMessage(closed, at(MIN), timeouts)).toEqual({
      state: closed,
      events: [],
      slotsChangedFor: [],
    });
  });
});

describe('RoutedConversation.takeAway', () => {
  it('R9: no agent message within 5 minutes: taken away and queued for another agent', () => {
    const c = assigned();
    const t = sut.takeAway(c, c.reassignReason!, at(5 * MIN), timeouts);
    expect(t.state).toMatchObject({
      status: 'queued',
      agentId: null,
      assignedAt: null,
      queuedAt: at(5 * MIN),
    });
    expect(t.events).toEqual([
      {
        type: 'conversation.unassigned',
        data: {
          conversationId: ID,
          channel: 'web_chat',
          agentId: A,
          reason: 'first_response_timeout',
          next: 'queued',
        },
      },
      {
        type: 'conversation.queued',
        data: { conversationId: ID, channel: 'web_chat', queuedAt: iso(5 * MIN) },
      },
    ]);
    expect(t.slotsChangedFor).toEqual([A]);
  });

  it('R10: the visitor unanswered for 12 hours: taken away with reason response_timeout', () => {
    const c = sut.onVisitorMessage(
      sut.onAgentMessage(assigned(), at(MIN), timeouts).state,
      at(2 * MIN),
      timeouts,
    ).state;
    const t = sut.takeAway(c, c.reassignReason!, at(2 * MIN + 12 * HOUR), timeouts);
    expect(t.events[0].data).toMatchObject({ reason: 'response_timeout', next: 'queued' });
  });

  it('Who gets it: kept away from the agent it left for a first-response period, then it may return', () => {
    const t = sut.takeAway(assigned(), 'first_response_timeout', at(5 * MIN), timeouts);
    expect(t.state).toMatchObject({ excludeAgentId: A, excludeUntil: at(10 * MIN) });
  });

  it('Timeouts move, they do not close: no deadline is left on the queued conversation', () => {
    const t = sut.takeAway(assigned(), 'first_response_timeout', at(5 * MIN), timeouts);
    expect(t.state).toMatchObject({ reassignAt: null, reassignReason: null, closeAt: null });
    expect(t.state.status).not.toBe('closed');
  });

  it('refuses a conversation that is not on a desk', () => {
    expect(() => sut.takeAway(queued(), 'first_response_timeout', at(MIN), timeouts)).toThrow(/cannot take/);
  });
});

describe('RoutedConversation.close', () => {
  it('R12/R11: a close frees the holder slot and clears every deadline', () => {
    const t = sut.close(sut.onAgentMessage(assigned(), at(MIN), timeouts).state, timeouts);
    expect(t.state).toMatchObject({ status: 'closed', agentId: null, reassignAt: null, closeAt: null });
    expect(t.slotsChangedFor).toEqual([A]);
    expect(t.events).toEqual([]);
  });

  it('a released or queued conversation closes with no slot to free', () => {
    expect(sut.close(queued(), timeouts).slotsChangedFor).toEqual([]);
  });

  it('a close redelivered changes nothing', () => {
    const closed = sut.close(assigned(), timeouts).state;
    expect(sut.close(closed, timeouts)).toEqual({ state: closed, events: [], slotsChangedFor: [] });
  });
});

describe('RoutedConversation.transfer', () => {
  it('R3: transfer to another agent is refused on mobile_app (FEATURE_UNAVAILABLE_ON_CHANNEL)', () => {
    expect(codeOf(() => sut.transfer(assigned('mobile_app'), A, target(), at(MIN), timeouts))).toBe(
      'FEATURE_UNAVAILABLE_ON_CHANNEL',
    );
  });

  it('R3: on web_chat the conversation moves to the target, whose clocks start now', () => {
    const t = sut.transfer(assigned(), A, target(), at(MIN), timeouts);
    expect(t.state).toMatchObject({ agentId: B, assignedAt: at(MIN), reassignAt: at(6 * MIN) });
    expect(t.events.map((e) => [e.type, e.data])).toEqual([
      [
        'conversation.unassigned',
        expect.objectContaining({ agentId: A, reason: 'transferred', next: 'transferred' }),
      ],
      [
        'conversation.assigned',
        expect.objectContaining({ agentId: B, explanation: `transferred by agent ${A}` }),
      ],
    ]);
    expect(t.slotsChangedFor).toEqual([A, B]);
  });

  it('R4: the target needs a free chat slot (CONFLICT)', () => {
    const full = target({ slots: { chat: { used: 3, capacity: 3 }, mobile: { used: 0, capacity: 2 } } });
    expect(codeOf(() => sut.transfer(assigned(), A, full, at(MIN), timeouts))).toBe('CONFLICT');
  });

  it('Available agent: an away or offline target is refused (CONFLICT)', () => {
    expect(codeOf(() => sut.transfer(assigned(), A, target({ status: 'away' }), at(MIN), timeouts))).toBe(
      'CONFLICT',
    );
    expect(codeOf(() => sut.transfer(assigned(), A, target({ status: 'offline' }), at(MIN), timeouts))).toBe(
      'CONFLICT',
    );
  });

  it('refuses a transfer to yourself, to an unknown agent, or by an agent who does not hold it', () => {
    expect(codeOf(() => sut.transfer(assigned(), A, target({ agentId: A }), at(MIN), timeouts))).toBe(
      'VALIDATION_FAILED',
    );
    expect(codeOf(() => sut.transfer(assigned(), A, null, at(MIN), timeouts))).toBe('NOT_FOUND');
    expect(codeOf(() => sut.transfer(assigned(), B, target(), at(MIN), timeouts))).toBe('FORBIDDEN');
  });
});

describe('RoutedConversation.transferTargets', () => {
  const C = '00000000-0000-4000-8000-00000000000c';
  const full = { chat: { used: 3, capacity: 3 }, mobile: { used: 0, capacity: 2 } };

  it('R3: lists the agents a transfer would accept: others, available, with a free chat slot', () => {
    const candidates = [
      target({ agentId: A }),
      target({ agentId: B }),
      target({ agentId: C, slots: full }),
      target({ agentId: '00000000-0000-4000-8000-00000000000d', status: 'away' }),
      target({ agentId: '00000000-0000-4000-8000-00000000000e', status: 'offline' }),
    ];
    expect(sut.transferTargets(assigned(), A, candidates).map((t) => t.agentId)).toEqual([B]);
  });

  it('R3: a full mobile side does not matter on web chat', () => {
    const busyOnMobile = target({
      slots: { chat: { used: 0, capacity: 1 }, mobile: { used: 2, capacity: 2 } },
    });
    expect(sut.transferTargets(assigned(), A, [busyOnMobile])).toEqual([busyOnMobile]);
  });

  it('R3: none on mobile_app (FEATURE_UNAVAILABLE_ON_CHANNEL); only the holder may ask (FORBIDDEN)', () => {
    expect(codeOf(() => sut.transferTargets(assigned('mobile_app'), A, [target()]))).toBe(
      'FEATURE_UNAVAILABLE_ON_CHANNEL',
    );
    expect(codeOf(() => sut.transferTargets(assigned(), B, [target()]))).toBe('FORBIDDEN');
  });
});

describe('RoutedConversation.inactivityCloseDue', () => {
  const silent = () => sut.onAgentMessage(assigned(), at(MIN), timeouts).state;

  it('R11: the visitor sent nothing within 7 days of the agent message: conversation is asked to close it', () => {
    const t = sut.inactivityCloseDue(silent(), at(MIN + 7 * DAY));
    expect(t.state.closeAt).toBeNull();
    expect(t.events).toEqual([
      {
        type: 'conversation.close-due',
        data: {
          conversationId: ID,
          reason: 'inactivity',
          dueAt: iso(MIN + 7 * DAY),
          lastAgentMessageAt: iso(MIN),
        },
      },
    ]);
  });

  it('R11: whether it is on a desk or released', () => {
    const released = sut.release(silent(), A, at(2 * MIN), timeouts).state;
    expect(sut.inactivityCloseDue(released, at(MIN + 7 * DAY)).events).toHaveLength(1);
  });

  it('R11: not before the 7 days', () => {
    expect(sut.inactivityCloseDue(silent(), at(MIN + 7 * DAY - 1)).events).toEqual([]);
  });
});
