import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { envelope, ROUTING_EVENTS } from '@pupitre/shared';
import { LoggedStatement, statementLog, StatementLog, waitFor } from '@pupitre/shared/testing';
import { ConversationHarness, startConversationHarness } from './support/conversation-harness';

/**
 * Issue 7: a matching round assigns many conversations at once (an agent coming back to a queue), and
 * each reaches its desk only once conversation has recorded it. A batch of routing's assignments is
 * recorded set-based: the same statements for six as for one. It counts statements; it never times.
 */
describe('conversation: a batch of assignments', () => {
  let sut: ConversationHarness;
  let log: StatementLog;

  beforeAll(async () => {
    sut = await startConversationHarness('assignbatch');
    log = statementLog(sut.app.get(DataSource));
  });

  afterAll(async () => {
    log?.stop();
    await sut?.stop();
  });

  const open = async (n: number) => {
    const conversations: string[] = [];
    for (let i = 0; i < n; i++) conversations.push((await sut.openConversation('web_chat')).conversationId);
    return conversations;
  };

  /**
   * Sends routing's `events` in one send under one key (one partition, so that one fetch brings them
   * all); once `conversations` have each as many `recorded` events of each type as given, those events
   * and the transactions that applied them.
   */
  async function applyTogether(
    events: ReturnType<typeof envelope>[],
    conversations: string[],
    expected: Record<string, number>,
  ) {
    const ids = events.map((e) => e.eventId);
    log.clear();
    await sut.producer.send(
      ROUTING_EVENTS,
      events.map((e) => ({ key: 'one-partition', value: JSON.stringify(e) })),
    );
    const ofType = (type: string) =>
      sut.requester.eventsOf(type).filter((e) => conversations.includes(e.key ?? ''));
    await waitFor(
      () => Object.entries(expected).every(([type, n]) => ofType(type).length === n * conversations.length),
      { what: `${Object.keys(expected).join(', ')} of ${conversations.length} conversations` },
    );
    const applying: LoggedStatement[][] = log
      .transactions()
      .filter((tx) =>
        tx.some((s) => /INTO inbox/.test(s.sql) && s.params.flat().some((p) => ids.includes(p as string))),
      );
    return { recorded: ofType('conversation.assignment-recorded'), applying };
  }

  const assignment = (conversationId: string, agentId: string, version: number) =>
    envelope(
      'conversation.assigned',
      {
        conversationId,
        channel: 'web_chat',
        agentId,
        assignedAt: new Date().toISOString(),
        deadlines: { reassignAt: new Date(Date.now() + 300_000).toISOString() },
        version,
      },
      new Date(),
    );

  /** Routing's assignments of `conversations` to one agent, applied together. */
  async function assignTogether(conversations: string[]) {
    const agentId = randomUUID();
    const events = conversations.map((conversationId, i) => assignment(conversationId, agentId, 2 + i));
    const { recorded, applying } = await applyTogether(events, conversations, {
      'conversation.assignment-recorded': 1,
    });
    return { agentId, recorded, applying };
  }

  /**
   * What R9 does to each of `conversations`, held by `from`: taken from them, queued, and assigned to
   * another agent, three events each, applied together.
   */
  async function moveTogether(conversations: string[], from: string) {
    const to = randomUUID();
    const events = conversations.flatMap((conversationId) => [
      envelope(
        'conversation.unassigned',
        {
          conversationId,
          channel: 'web_chat',
          agentId: from,
          reason: 'response_timeout',
          next: 'queued',
          version: 100,
        },
        new Date(),
      ),
      envelope(
        'conversation.queued',
        { conversationId, channel: 'web_chat', queuedAt: new Date().toISOString(), version: 101 },
        new Date(),
      ),
      assignment(conversationId, to, 102),
    ]);
    const { applying } = await applyTogether(events, conversations, {
      'conversation.unassignment-recorded': 1,
      'conversation.assignment-recorded': 2,
    });
    return { to, applying };
  }

  it('records the assignments of one batch in the statements of one', async () => {
    const alone = await assignTogether(await open(1));
    const conversations = await open(6);

    const { agentId, recorded, applying } = await assignTogether(conversations);

    expect(alone.applying).toHaveLength(1);
    expect(applying).toHaveLength(1);
    // START, the inbox insert, the versions claimed, the holders projected, the views read (the
    // conversations, their latest messages, their visitors), the events written, COMMIT. One by one
    // it took six statements for each assignment.
    expect(alone.applying[0]).toHaveLength(9);
    expect(applying[0]).toHaveLength(9);
    // Each on its conversation's partition of conversation.events: their order here is not theirs.
    expect(recorded.map((e) => e.key).sort()).toEqual([...conversations].sort());
    for (const e of recorded) {
      expect(e.value.data).toMatchObject({
        agentId,
        conversation: {
          id: e.key,
          status: 'assigned',
          messages: [expect.objectContaining({ text: 'hello' })],
        },
      });
    }
    const holders = await sut.db.query<{ agent_id: string }>(
      'SELECT agent_id FROM conversation.conversations WHERE id = ANY($1)',
      [conversations],
    );
    expect(holders.rows.map((r) => r.agent_id)).toEqual(conversations.map(() => agentId));
  });
  it("records a sweep's moves of one batch in the statements of one: unassigned, queued and assigned again (R9)", async () => {
    const one = await open(1);
    const six = await open(6);
    const { agentId: first } = await assignTogether(one);
    const { agentId: firstOfSix } = await assignTogether(six);

    const alone = await moveTogether(one, first);
    const { to, applying } = await moveTogether(six, firstOfSix);

    expect(alone.applying).toHaveLength(1);
    expect(applying).toHaveLength(1);
    // START, the inbox insert; the conversations of the three kinds locked together in id order; the
    // unassignments' versions claimed, conversations read, holders projected, events written; the
    // returns to the queue's versions claimed and holders projected; the assignments' six; COMMIT.
    // One by one, a conversation's three events took twelve statements.
    expect(alone.applying[0]).toHaveLength(16);
    expect(applying[0]).toHaveLength(16);
    const unrecorded = sut.requester
      .eventsOf('conversation.unassignment-recorded')
      .filter((e) => six.includes(e.key ?? ''));
    expect(unrecorded.map((e) => e.value.data)).toEqual(
      six.map(() => expect.objectContaining({ agentId: firstOfSix, reason: 'response_timeout' })),
    );
    const holders = await sut.db.query<{ agent_id: string; status: string }>(
      'SELECT agent_id, status FROM conversation.conversations WHERE id = ANY($1)',
      [six],
    );
    expect(holders.rows).toEqual(six.map(() => ({ agent_id: to, status: 'assigned' })));
  });
});
