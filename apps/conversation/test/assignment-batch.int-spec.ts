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
   * Routing's assignments of `conversations` to one agent, in one send under one key (one partition,
   * so that one fetch brings them all); once recorded, their events and the transactions that applied
   * them.
   */
  async function assignTogether(conversations: string[]) {
    const agentId = randomUUID();
    const events = conversations.map((conversationId, i) =>
      envelope(
        'conversation.assigned',
        {
          conversationId,
          channel: 'web_chat',
          agentId,
          assignedAt: new Date().toISOString(),
          deadlines: { reassignAt: new Date(Date.now() + 300_000).toISOString() },
          version: 2 + i,
        },
        new Date(),
      ),
    );
    const ids = events.map((e) => e.eventId);
    log.clear();
    await sut.producer.send(
      ROUTING_EVENTS,
      events.map((e) => ({ key: 'one-partition', value: JSON.stringify(e) })),
    );
    const recorded = await waitFor(
      () => {
        const found = sut.requester
          .eventsOf('conversation.assignment-recorded')
          .filter((e) => conversations.includes(e.key ?? ''));
        return found.length === conversations.length && found;
      },
      { what: 'the assignments recorded' },
    );
    const applying: LoggedStatement[][] = log
      .transactions()
      .filter((tx) =>
        tx.some((s) => /INTO inbox/.test(s.sql) && s.params.flat().some((p) => ids.includes(p as string))),
      );
    return { agentId, recorded, applying };
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
});
