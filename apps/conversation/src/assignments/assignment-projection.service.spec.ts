import type { EntityManager } from 'typeorm';
import type { RoutingEvent } from '@pupitre/shared';
import type { ConversationEventsOutbox, ConversationsRepository } from '../conversations';
import type { ConversationViewsService } from '../views';
import { AssignmentProjectionService } from './assignment-projection.service';
import type { AssignmentsRepository, DeadlinesChange } from './assignments.repository';

/** What the service asked of the repository, in order. */
type Call =
  | ['write', [string, number][]]
  | ['legacy', string]
  | ['lock', string[]]
  | ['claimAll', [string, number][]]
  | ['read', string[]]
  | ['projectAll', string[]]
  | ['views', string[]]
  | ['recorded', string[]]
  | ['unrecorded', string[]];

function fakeAssignments(calls: Call[]): AssignmentsRepository {
  return {
    projectDeadlinesOf: async (_tx: EntityManager, changes: DeadlinesChange[]) => {
      calls.push(['write', changes.map((c): [string, number] => [c.conversationId, c.version])]);
    },
    projectDeadlines: async (_tx: EntityManager, id: string) => {
      calls.push(['legacy', id]);
    },
    // 'stale': a version older than the one recorded; 'closed': a conversation closed meanwhile.
    claimRoutingVersions: async (_tx: EntityManager, claims: { id: string; version: number }[]) => {
      calls.push(['claimAll', claims.map((c): [string, number] => [c.id, c.version])]);
      return new Set(claims.map((c) => c.id).filter((id) => id !== 'stale'));
    },
    projectAll: async (_tx: EntityManager, all: { id: string }[]) => {
      calls.push(['projectAll', all.map((a) => a.id)]);
      return new Set(all.map((a) => a.id).filter((id) => id !== 'closed'));
    },
  } as unknown as AssignmentsRepository;
}

/** One of routing's events, as the projection gets it. */
const routingEvent = (type: RoutingEvent['type'], eventId: string, data: object): RoutingEvent =>
  ({
    eventId,
    type,
    occurredAt: '2026-11-30T12:00:00.000Z',
    correlationId: 'c',
    causationId: null,
    data,
  }) as RoutingEvent;

const deadlines = (conversationId: string, version: number) =>
  routingEvent('conversation.deadlines-changed', `${conversationId}-${version}`, {
    conversationId,
    agentId: 'agent',
    deadlines: { reassignAt: '2026-11-30T12:05:00.000Z' },
    version,
  });

const assigned = (conversationId: string, version: number) =>
  routingEvent('conversation.assigned', `${conversationId}-a${version}`, {
    conversationId,
    agentId: 'agent',
    channel: 'web_chat',
    reason: 'least_busy',
    assignedAt: '2026-11-30T12:00:00.000Z',
    deadlines: { reassignAt: '2026-11-30T12:05:00.000Z' },
    version,
  });

const queued = (conversationId: string, version: number) =>
  routingEvent('conversation.queued', `${conversationId}-q${version}`, {
    conversationId,
    channel: 'web_chat',
    version,
  });

const unassigned = (conversationId: string, version: number, agentId = 'agent') =>
  routingEvent('conversation.unassigned', `${conversationId}-u${version}`, {
    conversationId,
    channel: 'web_chat',
    agentId,
    reason: 'response_timeout',
    next: 'queued',
    version,
  });

/** Published before versions existed. */
const legacyDeadlines = (conversationId: string) =>
  routingEvent('conversation.deadlines-changed', `${conversationId}-legacy`, {
    conversationId,
    agentId: 'agent',
    deadlines: { reassignAt: '2026-11-30T12:05:00.000Z' },
  });

const slotsChanged = () =>
  routingEvent('agent.slots-changed', 'slots', { agentId: 'agent', version: 1, slots: {} });

/** The calls that record a batch's kept unassignments together (each conversation held by 'agent'). */
const unrecordedTogether = (claims: [string, number][]): Call[] => {
  const ids = claims.map(([id]) => id);
  return [
    ['claimAll', claims],
    ['read', ids],
    ['projectAll', ids],
    ['unrecorded', ids],
  ];
};

/** The calls that record a batch's kept assignments together, of these conversations and versions. */
const recordedTogether = (claims: [string, number][]): Call[] => {
  const ids = claims.map(([id]) => id);
  return [
    ['claimAll', claims],
    ['projectAll', ids],
    ['views', ids],
    ['recorded', ids],
  ];
};

describe(AssignmentProjectionService.name, () => {
  let calls: Call[];
  let sut: AssignmentProjectionService;
  const tx = {} as EntityManager;

  beforeEach(() => {
    calls = [];
    sut = new AssignmentProjectionService(
      fakeAssignments(calls),
      {
        lockInIdOrder: async (_tx: EntityManager, ids: string[], _visitors: string[], mode: string) => {
          calls.push(['lock', [...ids].sort()]);
          expect(mode).toBe('FOR NO KEY UPDATE');
        },
        // Each conversation open and held by 'agent', but 'gone' (unknown here).
        findMany: async (_tx: EntityManager, ids: string[]) => {
          calls.push(['read', ids]);
          return ids
            .filter((id) => id !== 'gone')
            .map((id) => ({ id, agent_id: 'agent', closed_at: null, close_at: null }));
        },
      } as unknown as ConversationsRepository,
      {
        viewAll: async (_tx: EntityManager, ids: string[]) => {
          calls.push(['views', ids]);
          return ids.map((id) => ({ id, visitor: { id: `visitor-of-${id}` } }));
        },
      } as unknown as ConversationViewsService,
      {
        addAll: async (_tx: EntityManager, events: { type: string; data: { conversationId: string } }[]) => {
          const ids = events.map((e) => e.data.conversationId);
          calls.push(
            events[0]?.type === 'conversation.unassignment-recorded'
              ? ['unrecorded', ids]
              : ['recorded', ids],
          );
        },
      } as unknown as ConversationEventsOutbox,
    );
  });

  /** Prepares a batch of these events and applies them; its flush is left to the test. */
  const applyInBatch = async (batch: RoutingEvent[]) => {
    await sut.prepare(batch, tx);
    for (const e of batch) await sut.apply(e, tx);
  };

  it('alone, a deadline change is written at once', async () => {
    await sut.apply(deadlines('a', 5), tx);
    expect(calls).toEqual([['write', [['a', 5]]]]);
  });

  it('in a batch, the deadline changes are written in one statement, the newest per conversation', async () => {
    const batch = [deadlines('a', 5), deadlines('b', 3), deadlines('a', 7), deadlines('a', 6)];
    await applyInBatch(batch);
    expect(calls).toEqual([]);
    await sut.flush(tx);
    expect(calls).toEqual([
      [
        'write',
        [
          ['a', 7],
          ['b', 3],
        ],
      ],
    ]);
  });

  it('in a batch, the changes before an event not kept are written before it: the same order as one by one', async () => {
    const batch = [deadlines('a', 5), legacyDeadlines('b'), deadlines('a', 6)];
    await applyInBatch(batch);
    await sut.flush(tx);
    expect(calls).toEqual([
      ['write', [['a', 5]]],
      ['legacy', 'b'],
      ['write', [['a', 6]]],
    ]);
  });

  it("in a batch, a sweep's moves are written kind by kind, whatever their number: unassignments, returns to the queue, assignments", async () => {
    // R9 takes each conversation from its agent, queues it and assigns it again: three events each.
    const batch = [unassigned('a', 5), queued('a', 6), assigned('a', 7), unassigned('b', 3), queued('b', 4)];
    batch.push(assigned('b', 5));
    await applyInBatch(batch);
    expect(calls).toEqual([]);
    await sut.flush(tx);
    expect(calls).toEqual([
      ['lock', ['a', 'b']],
      ...unrecordedTogether([
        ['a', 5],
        ['b', 3],
      ]),
      [
        'claimAll',
        [
          ['a', 6],
          ['b', 4],
        ],
      ],
      ['projectAll', ['a', 'b']],
      ...recordedTogether([
        ['a', 7],
        ['b', 5],
      ]),
    ]);
  });

  it('in a batch, the conversations of several kinds are locked together first, in id order, whatever the kinds', async () => {
    // The queue's head assigned (a) beside a conversation R9 moves back to the queue (b): the
    // unassignment's claim would lock b before the assignment's locked a.
    await applyInBatch([assigned('a', 1), unassigned('b', 2), queued('b', 3)]);
    await sut.flush(tx);
    expect(calls).toEqual([
      ['lock', ['a', 'b']],
      ...unrecordedTogether([['b', 2]]),
      ['claimAll', [['b', 3]]],
      ['projectAll', ['b']],
      ...recordedTogether([['a', 1]]),
    ]);
  });

  it("in a batch, an agent's events do not cut what is kept: they change nothing here", async () => {
    await applyInBatch([assigned('a', 1), slotsChanged(), assigned('b', 2)]);
    await sut.flush(tx);
    expect(calls).toEqual(
      recordedTogether([
        ['a', 1],
        ['b', 2],
      ]),
    );
  });

  it("in a batch, a conversation's unassignment after its kept assignment writes what is kept first", async () => {
    await applyInBatch([assigned('a', 1), unassigned('a', 2), deadlines('a', 3)]);
    await sut.flush(tx);
    expect(calls).toEqual([
      ...recordedTogether([['a', 1]]),
      ...unrecordedTogether([['a', 2]]),
      ['write', [['a', 3]]],
    ]);
  });

  it('an unassignment records nothing when stale, when the conversation is unknown here, or held by someone else', async () => {
    await sut.apply(unassigned('stale', 1), tx);
    await sut.apply(unassigned('gone', 1), tx);
    await sut.apply(unassigned('a', 1, 'another agent'), tx);
    expect(calls).toEqual([
      ['claimAll', [['stale', 1]]],
      ['claimAll', [['gone', 1]]],
      ['read', ['gone']],
      ['claimAll', [['a', 1]]],
      ['read', ['a']],
    ]);
  });

  it('in a batch, the assignments are recorded together, after the deadline changes kept with them', async () => {
    const batch = [deadlines('a', 5), assigned('a', 6), assigned('b', 2), deadlines('c', 4)];
    await applyInBatch(batch);
    expect(calls).toEqual([]);
    await sut.flush(tx);
    expect(calls).toEqual([
      [
        'write',
        [
          ['a', 5],
          ['c', 4],
        ],
      ],
      ...recordedTogether([
        ['a', 6],
        ['b', 2],
      ]),
    ]);
  });

  it('alone, an assignment is recorded at once; a stale or closed one records nothing', async () => {
    await sut.apply(assigned('a', 6), tx);
    await sut.apply(assigned('stale', 1), tx);
    await sut.apply(assigned('closed', 3), tx);
    expect(calls).toEqual([
      ...recordedTogether([['a', 6]]),
      ['claimAll', [['stale', 1]]],
      ['projectAll', []],
      ['claimAll', [['closed', 3]]],
      ['projectAll', ['closed']],
    ]);
  });

  it("in a batch, a later change of a kept assignment's conversation writes what is kept first", async () => {
    const batch = [assigned('a', 6), assigned('b', 2), deadlines('a', 7), assigned('b', 4)];
    await applyInBatch(batch);
    await sut.flush(tx);
    expect(calls).toEqual([
      ...recordedTogether([
        ['a', 6],
        ['b', 2],
      ]),
      ['write', [['a', 7]]],
      ...recordedTogether([['b', 4]]),
    ]);
  });

  it('after the batch, its transaction is alone again', async () => {
    await sut.prepare([deadlines('a', 5)], tx);
    await sut.apply(deadlines('a', 5), tx);
    await sut.flush(tx);
    await sut.apply(deadlines('a', 6), tx);
    expect(calls).toEqual([
      ['write', [['a', 5]]],
      ['write', [['a', 6]]],
    ]);
  });
});
