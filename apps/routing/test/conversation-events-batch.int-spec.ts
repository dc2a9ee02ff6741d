import { randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { CONVERSATION_EVENTS, envelope, kafkaTuning, ROUTING_EVENTS } from '@pupitre/shared';
import { ServiceHarness, startServiceHarness, waitFor } from '@pupitre/shared/testing';
import { startRouting } from '../src/main';

type Author = 'visitor' | 'agent';

/**
 * Issue 7: routing applies a batch of conversation events set-based. Routing alone; the test plays
 * conversation, producing each batch in one send to one partition (one fetch, one transaction), and
 * counts the SQL statements of that transaction (each one a round trip to PostgreSQL).
 */
describe('routing: a batch of conversation events', () => {
  let sut: ServiceHarness;
  const visitorId = randomUUID();
  const agentId = randomUUID();

  beforeAll(async () => {
    sut = await startServiceHarness('routingbatch', startRouting, [ROUTING_EVENTS]);
  });

  afterAll(() => sut?.stop());

  const opened = (conversationId: string) =>
    envelope(
      'conversation.opened',
      { conversationId, visitorId, channel: 'mobile_app', openedAt: new Date().toISOString() },
      new Date(),
    );
  const posted = (conversationId: string, author: Author, createdAt: Date) =>
    envelope(
      'message.posted',
      {
        conversationId,
        visitorId,
        channel: 'mobile_app',
        message: {
          id: randomUUID(),
          conversationId,
          author: { type: author, id: author === 'visitor' ? visitorId : agentId },
          text: 'hello',
          createdAt: createdAt.toISOString(),
        },
      },
      new Date(),
    );
  const produce = (events: { eventId: string; data: { conversationId: string } }[]) =>
    sut.producer.sendBatch([
      {
        topic: CONVERSATION_EVENTS,
        messages: events.map((e) => ({ key: e.data.conversationId, value: JSON.stringify(e) })),
      },
    ]);
  const count = async (sql: string, ids: string[]) =>
    Number((await sut.db.query<{ n: string }>(sql, [ids])).rows[0].n);
  /** The data of the `conversation.deadlines-changed` events published so far for these conversations. */
  const deadlineChangesOf = (ids: string[]) =>
    sut.requester
      .eventsOf('conversation.deadlines-changed')
      .filter((e) => ids.includes(e.key ?? ''))
      .map((e) => e.value.data);
  const applied = (ids: string[]) =>
    count(`SELECT count(*) AS n FROM routing.inbox WHERE message_id = ANY($1)`, ids);

  /** Opens the conversations (in a batch of their own) and waits until routing queued them. */
  async function open(conversationIds: string[]): Promise<void> {
    await produce(conversationIds.map(opened));
    await waitFor(
      async () =>
        (await count(
          'SELECT count(*) AS n FROM routing.routed_conversations WHERE conversation_id = ANY($1)',
          conversationIds,
        )) === conversationIds.length,
      { what: 'the conversations queued' },
    );
  }

  /** The statements of each transaction that applied some of `eventIds` (one query runner each). */
  async function statementsApplying(
    eventIds: string[],
    produceThem: () => Promise<void>,
  ): Promise<string[][]> {
    const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
    try {
      await produceThem();
      await waitFor(async () => (await applied(eventIds)) === new Set(eventIds).size, {
        what: 'the batch applied',
      });
      const byRunner = new Map<unknown, { sql: string; params: unknown[] }[]>();
      spy.mock.calls.forEach(([sql, params], i) => {
        const runner = spy.mock.contexts[i];
        // String(): a prepared statement is passed as an object (libs/shared/src/database/prepared.ts).
        byRunner.set(runner, [...(byRunner.get(runner) ?? []), { sql: String(sql), params: params ?? [] }]);
      });
      const wanted = new Set(eventIds);
      const appliesOurs = (q: { sql: string; params: unknown[] }) =>
        q.sql.includes('INSERT INTO inbox') && q.params.flat().some((id) => wanted.has(id as string));
      return [...byRunner.values()].filter((qs) => qs.some(appliesOurs)).map((qs) => qs.map((q) => q.sql));
    } finally {
      spy.mockRestore();
    }
  }

  it('applies message.posted events of several conversations in a constant number of statements', async () => {
    const conversations = inOnePartition(5);
    await open(conversations);
    // Each conversation: visitor, agent, visitor, agent. Each message after the first moves the
    // R11 date (set by an agent message, cleared by a visitor's): 3 routing events per conversation.
    const base = Date.now();
    const batch = [0, 1, 2, 3].flatMap((round) =>
      conversations.map((id) =>
        posted(id, round % 2 === 0 ? 'visitor' : 'agent', new Date(base + round * 1000)),
      ),
    );

    const transactions = await statementsApplying(
      batch.map((e) => e.eventId),
      () => produce(batch),
    );

    expect(transactions).toHaveLength(1);
    // START, the locking read with the inbox insert, the update of the states and their event
    // counters with the outbox insert, COMMIT (event by event it took 73: a locking read and an
    // update per message, two statements per event; until session 14 the counters had an update of
    // their own; until session 48 the inbox and the outbox inserts were statements of their own).
    expect(transactions[0]).toHaveLength(4);
    expect(transactions[0][1]).toMatch(/INSERT INTO inbox[\s\S]*FOR UPDATE/);
    // With parameters, so node-postgres prepares it and BEGIN rides with it (BeginRidesClient).
    expect(transactions[0][1]).toMatch(/\$1\b/);
    expect(transactions[0][2]).toMatch(/INSERT INTO outbox[\s\S]*UPDATE routed_conversations/);
    const published = await waitFor(
      () => deadlineChangesOf(conversations).length >= 15 && deadlineChangesOf(conversations),
      { what: '15 deadline changes published' },
    );
    expect(published).toHaveLength(15);
  });

  it('applies two messages of one conversation in one batch in offset order, a redelivery once', async () => {
    const [conversationId] = inOnePartition(1);
    await open([conversationId]);
    const t = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s));
    const agentMessage = posted(conversationId, 'agent', t(2));
    const batch = [
      posted(conversationId, 'visitor', t(1)),
      agentMessage,
      posted(conversationId, 'visitor', t(3)),
    ];

    const transactions = await statementsApplying(
      batch.map((e) => e.eventId),
      () => produce([...batch, agentMessage]),
    );

    expect(transactions).toHaveLength(1);
    const [row] = (
      await sut.db.query(
        `SELECT last_author, last_visitor_message_at, last_agent_message_at, close_at, event_version
           FROM routing.routed_conversations WHERE conversation_id = $1`,
        [conversationId],
      )
    ).rows;
    expect(row).toEqual({
      last_author: 'visitor',
      last_visitor_message_at: t(3),
      last_agent_message_at: t(2),
      close_at: null,
      event_version: '3',
    });
    // The agent message set the R11 date, the visitor's after it cleared it; the redelivery did nothing.
    const events = await waitFor(
      () => deadlineChangesOf([conversationId]).length >= 2 && deadlineChangesOf([conversationId]),
      { what: 'the deadline changes published' },
    );
    const sevenDays = 7 * 24 * 3600 * 1000;
    expect(events).toEqual([
      expect.objectContaining({
        version: 2,
        deadlines: { closeAt: new Date(t(2).getTime() + sevenDays).toISOString() },
      }),
      expect.objectContaining({ version: 3, deadlines: {} }),
    ]);
  });

  it('skips the events an earlier batch applied, learnt from the statement that locks', async () => {
    const [conversationId] = inOnePartition(1);
    await open([conversationId]);
    const t = (s: number) => new Date(Date.UTC(2031, 0, 1, 0, 0, s));
    const first = [posted(conversationId, 'visitor', t(1)), posted(conversationId, 'agent', t(2))];
    await statementsApplying(
      first.map((e) => e.eventId),
      () => produce(first),
    );
    const later = posted(conversationId, 'visitor', t(3));

    // The agent's message again (a redelivery after a rebalance), then a new one.
    const transactions = await statementsApplying([later.eventId], () => produce([first[1], later]));

    expect(transactions).toHaveLength(1);
    expect(transactions[0]).toHaveLength(4);
    const [row] = (
      await sut.db.query(
        `SELECT last_author, last_agent_message_at, event_version
           FROM routing.routed_conversations WHERE conversation_id = $1`,
        [conversationId],
      )
    ).rows;
    // Queued (1), the agent's message set the R11 date (2), the later visitor message cleared it (3).
    expect(row).toEqual({ last_author: 'visitor', last_agent_message_at: t(2), event_version: '3' });
    const events = await waitFor(
      () => deadlineChangesOf([conversationId]).length >= 2 && deadlineChangesOf([conversationId]),
      { what: 'the deadline changes published' },
    );
    expect(events.map((e) => e?.version)).toEqual([2, 3]);
  });

  it('numbers the events of conversations opened in the same batch from their new rows', async () => {
    const conversations = inOnePartition(3);
    const base = Date.now();
    const batch = conversations.flatMap((id) => [
      opened(id),
      posted(id, 'visitor', new Date(base)),
      posted(id, 'agent', new Date(base + 1000)),
    ]);

    const transactions = await statementsApplying(
      batch.map((e) => e.eventId),
      () => produce(batch),
    );

    expect(transactions).toHaveLength(1);
    const queued = await waitFor(
      () => {
        const found = sut.requester
          .eventsOf('conversation.queued')
          .filter((e) => conversations.includes(e.key ?? ''));
        return found.length >= 3 && found;
      },
      { what: 'the conversations queued' },
    );
    expect(queued.map((e) => e.value.data?.version)).toEqual([1, 1, 1]);
    const changes = await waitFor(
      () => deadlineChangesOf(conversations).length >= 3 && deadlineChangesOf(conversations),
      { what: 'the deadline changes published' },
    );
    expect(changes.map((d) => d?.version)).toEqual([2, 2, 2]);
    const versions = await sut.db.query<{ event_version: string }>(
      'SELECT event_version FROM routing.routed_conversations WHERE conversation_id = ANY($1)',
      [conversations],
    );
    expect(versions.rows.map((r) => r.event_version)).toEqual(['2', '2', '2']);
  });
});

/** `n` conversation ids that the producer's partitioner sends to one partition of conversation.events. */
function inOnePartition(n: number): string[] {
  const partitions = kafkaTuning().KAFKA_PARTITIONS;
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionOf = (key: string) =>
    partitioner({ topic: CONVERSATION_EVENTS, partitionMetadata, message: { key, value: null } });
  const first = randomUUID();
  const ids = [first];
  while (ids.length < n) {
    const id = randomUUID();
    if (partitionOf(id) === partitionOf(first)) ids.push(id);
  }
  return ids;
}
