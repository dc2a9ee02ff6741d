import type { EntityManager } from 'typeorm';
import type { RoutingEvent } from '@pupitre/shared';
import type { ConversationEventsOutbox, ConversationsRepository } from '../conversations';
import type { ConversationViewsService } from '../views';
import { AssignmentProjectionService } from './assignment-projection.service';
import type { AssignmentsRepository, DeadlinesChange } from './assignments.repository';

/** What the service asked of the repository, in order. */
type Call = ['write', [string, number][]] | ['claim', string, number] | ['project', string];

function fakeAssignments(calls: Call[]): AssignmentsRepository {
  return {
    projectDeadlinesOf: async (_tx: EntityManager, changes: DeadlinesChange[]) => {
      calls.push(['write', changes.map((c) => [c.conversationId, c.version])]);
    },
    claimRoutingVersion: async (_tx: EntityManager, id: string, version: number) => {
      calls.push(['claim', id, version]);
      return true;
    },
    project: async (_tx: EntityManager, id: string) => {
      calls.push(['project', id]);
      return false; // closed meanwhile: nothing more to do
    },
  } as unknown as AssignmentsRepository;
}

const deadlines = (conversationId: string, version: number): RoutingEvent =>
  ({
    eventId: `${conversationId}-${version}`,
    type: 'conversation.deadlines-changed',
    occurredAt: '2026-11-30T12:00:00.000Z',
    correlationId: 'c',
    causationId: null,
    data: {
      conversationId,
      agentId: 'agent',
      deadlines: { reassignAt: '2026-11-30T12:05:00.000Z' },
      version,
    },
  }) as RoutingEvent;

const queued = (conversationId: string, version: number): RoutingEvent =>
  ({
    eventId: `${conversationId}-q${version}`,
    type: 'conversation.queued',
    occurredAt: '2026-11-30T12:00:00.000Z',
    correlationId: 'c',
    causationId: null,
    data: { conversationId, channel: 'web_chat', version },
  }) as RoutingEvent;

describe(AssignmentProjectionService.name, () => {
  let calls: Call[];
  let sut: AssignmentProjectionService;
  const tx = {} as EntityManager;

  beforeEach(() => {
    calls = [];
    sut = new AssignmentProjectionService(
      fakeAssignments(calls),
      {} as ConversationsRepository,
      {} as ConversationViewsService,
      {} as ConversationEventsOutbox,
    );
  });

  it('alone, a deadline change is written at once', async () => {
    await sut.apply(deadlines('a', 5), tx);
    expect(calls).toEqual([['write', [['a', 5]]]]);
  });

  it('in a batch, the deadline changes are written in one statement, the newest per conversation', async () => {
    const batch = [deadlines('a', 5), deadlines('b', 3), deadlines('a', 7), deadlines('a', 6)];
    await sut.prepare(batch, tx);
    for (const e of batch) await sut.apply(e, tx);
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

  it('in a batch, the changes before another event are written before it: the same order as one by one', async () => {
    const batch = [deadlines('a', 5), queued('b', 2), deadlines('a', 6)];
    await sut.prepare(batch, tx);
    for (const e of batch) await sut.apply(e, tx);
    await sut.flush(tx);
    expect(calls).toEqual([
      ['write', [['a', 5]]],
      ['claim', 'b', 2],
      ['project', 'b'],
      ['write', [['a', 6]]],
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
