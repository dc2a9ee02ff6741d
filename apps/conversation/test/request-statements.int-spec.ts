import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CONVERSATION_EVENTS } from '@pupitre/shared';
import { LoggedStatement, statementLog, StatementLog, TestRequester, waitFor } from '@pupitre/shared/testing';
import { MessagesRepository } from '../src/messages/messages.repository';
import { ConversationHarness, startConversationHarness } from './support/conversation-harness';

/**
 * Issue 7, capacity: what a visitor message costs the conversation service is mostly its round trips
 * to PostgreSQL (at 1,000 messages/s, ~40 % of its busy CPU went to the socket writes of pg's
 * queries). This pins the statements a message takes, so that a change adding round trips is noticed.
 * It counts statements; it never times anything.
 */
describe('conversation: statements per visitor message', () => {
  let sut: ConversationHarness;
  let rq: TestRequester;
  let log: StatementLog;

  beforeAll(async () => {
    sut = await startConversationHarness('reqstatements');
    rq = sut.requester;
    log = statementLog(sut.app.get(DataSource));
  });

  afterAll(async () => {
    log?.stop();
    await sut?.stop();
  });

  const N = 10;
  /**
   * What a batch costs whatever its size: BEGIN, the batch lock, COMMIT (two round trips: BEGIN rides
   * with the lock, BeginRidesClient). Its inbox rows ride in the statement of the writes it held back;
   * a batch that held none back inserts them on their own.
   */
  const PER_BATCH = 3;
  /** The inbox rows' insert of a batch that held back no write. */
  const INBOX_ALONE = 1;

  const post = (visitorId: string, clientMessageId: string = randomUUID()) => ({
    op: 'visitor.post-message',
    data: { visitorId, text: 'hello again', clientMessageId },
  });

  /** The transactions that applied requests: they store the replies of `requests`. */
  const requestTransactions = (): LoggedStatement[][] =>
    log
      .transactions()
      .filter((tx) =>
        tx.some(
          (s) => /INTO inbox/.test(s.sql) && (s.params.includes('requests') || s.sql.includes("'requests'")),
        ),
      );

  /** One line per statement: what a failure shows. */
  const summary = (tx: LoggedStatement[]) => tx.map((s) => s.sql.replace(/\s+/g, ' ').slice(0, 80));

  /** Sends the requests in one batch; the one transaction that applied them all. */
  async function appliedTogether(
    requests: { op: string; data: unknown }[],
    ok: boolean[],
  ): Promise<string[]> {
    log.clear();
    const replies = await rq.askAll('conversation', 'one-key', requests);
    expect(replies.map((r) => r?.ok)).toEqual(ok);
    const txs = requestTransactions();
    expect(txs).toHaveLength(1);
    return summary(txs[0]);
  }

  it('messages to open conversations: one statement for all their writes (their reads come with the batch lock)', async () => {
    const visitors: string[] = [];
    for (let i = 0; i < N; i++) visitors.push((await sut.openConversation('web_chat')).visitorId);

    const tx = await appliedTogether(
      visitors.map((v) => post(v)),
      visitors.map(() => true),
    );

    expect(tx).toHaveLength(PER_BATCH + 1);
    // The batch's lock statement read for them all; their inserts, events and inbox rows are one statement.
    expect(tx.filter((s) => s.startsWith('WITH locked AS'))).toHaveLength(1);
    expect(tx.filter((s) => s.startsWith('WITH outbox_row AS'))).toHaveLength(1);
    expect(tx.filter((s) => /INTO inbox/.test(s))).toEqual([]);
    expect(tx.filter((s) => s.startsWith('SAVEPOINT'))).toEqual([]);
    // The lock has parameters, so node-postgres prepares it and BEGIN rides with it (BeginRidesClient).
    expect(requestTransactions()[0][1].params.length).toBeGreaterThan(0);
  });

  it("a visitor's several messages to their open conversation: still one statement for all their writes", async () => {
    const { visitorId } = await sut.openConversation('web_chat');

    const tx = await appliedTogether(
      Array.from({ length: N }, () => post(visitorId)),
      Array.from({ length: N }, () => true),
    );

    // Until session 45 each message after the first read and wrote for itself: two statements more each.
    expect(tx).toHaveLength(PER_BATCH + 1);
  });

  it('a first message, which opens the conversation (R13): two statements (the opening, then its write)', async () => {
    const visitors: string[] = [];
    for (let i = 0; i < N; i++) visitors.push(await sut.newVisitor('mobile_app'));

    const tx = await appliedTogether(
      visitors.map((v) => post(v)),
      visitors.map(() => true),
    );

    // Each opening is read and written for itself; the last message's write is held back and carries the inbox rows.
    expect(tx).toHaveLength(PER_BATCH + 2 * N);
  });

  it('a retry and a refusal: no statement of their own', async () => {
    const { visitorId } = await sut.openConversation('web_chat');
    await rq.call('conversation', 'visitor.post-message', post(visitorId, 'first').data);

    const tx = await appliedTogether([post(visitorId, 'first'), post(randomUUID())], [true, false]);

    expect(tx).toHaveLength(PER_BATCH + INBOX_ALONE);
  });

  it("agents' answers: one statement reads for them all after the batch lock, and one writes them all", async () => {
    const agentId = randomUUID();
    const answers = [];
    for (let i = 0; i < N; i++) {
      const { conversationId } = await sut.openConversation('web_chat');
      await sut.assign(conversationId, 'web_chat', agentId);
      const data = { agentId, conversationId, text: 'hello', clientMessageId: randomUUID() };
      answers.push({ op: 'agent.post-message', data });
    }

    const tx = await appliedTogether(
      answers,
      answers.map(() => true),
    );

    // Until session 46 each answer read, wrote, and read whether to push, for itself: 3 statements each.
    expect(tx).toHaveLength(PER_BATCH + 2);
  });

  it('canned sends: read with the answers after the batch lock, their text included, and written with them', async () => {
    const agentId = randomUUID();
    const cannedResponseId = randomUUID();
    await rq.call('conversation', 'canned.create', { id: cannedResponseId, title: 'Hi', text: 'Hello!' });
    const sends = [];
    for (let i = 0; i < N; i++) {
      const { conversationId } = await sut.openConversation('web_chat');
      await sut.assign(conversationId, 'web_chat', agentId);
      const data = { agentId, conversationId, cannedResponseId, clientMessageId: randomUUID() };
      sends.push({ op: 'agent.send-canned', data });
    }

    const tx = await appliedTogether(
      sends,
      sends.map(() => true),
    );

    // Until session 47 each read its canned response, then read, wrote and read whether to push for itself.
    expect(tx).toHaveLength(PER_BATCH + 2);
  });

  /** N conversations of the web chat, each held by `agentId`. */
  async function heldConversations(agentId: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const { conversationId } = await sut.openConversation('web_chat');
      await sut.assign(conversationId, 'web_chat', agentId);
      ids.push(conversationId);
    }
    return ids;
  }

  it("agents' closes: read after the batch lock, written with their events and the inbox rows in one statement", async () => {
    const agentId = randomUUID();
    const conversations = await heldConversations(agentId);
    const closes = conversations.map((conversationId) => ({
      op: 'agent.close',
      data: { agentId, conversationId },
    }));

    const tx = await appliedTogether(
      closes,
      closes.map(() => true),
    );

    // Until session 49 each close took a savepoint, read its conversation under its lock, closed it,
    // read it again for the last agent message, and wrote its event: 5 statements each.
    expect(tx).toHaveLength(PER_BATCH + 2);
    expect(tx.filter((s) => s.startsWith('WITH outbox_row AS'))).toHaveLength(1);
    expect(tx.filter((s) => /INTO inbox/.test(s))).toEqual([]);
    const closed = await sut.db.query<{ status: string; close_reason: string }>(
      'SELECT status, close_reason FROM conversation.conversations WHERE id = ANY($1)',
      [conversations],
    );
    expect(closed.rows).toEqual(conversations.map(() => ({ status: 'closed', close_reason: 'agent' })));
    const announced = () =>
      rq
        .eventsOf('conversation.closed', CONVERSATION_EVENTS)
        .filter((e) => conversations.includes(e.key ?? ''));
    await waitFor(async () => announced().length === N, { what: 'the closes announced' });
    // Each on its conversation's partition: their order here is not theirs.
    const byId = (a: { conversationId: string }, b: { conversationId: string }) =>
      a.conversationId < b.conversationId ? -1 : 1;
    expect(
      announced()
        .map((e) => e.value.data as { conversationId: string })
        .sort(byId),
    ).toEqual(
      [...conversations]
        .sort()
        .map((conversationId) =>
          expect.objectContaining({ conversationId, reason: 'agent', lastAgentMessage: null }),
        ),
    );
  });

  it("agents' tags: read after the batch lock, then one statement each for the tags and their event; no savepoint", async () => {
    const agentId = randomUUID();
    const tags = (await heldConversations(agentId)).map((conversationId) => ({
      op: 'agent.tag',
      data: { agentId, conversationId, tag: 'billing', action: 'add' },
    }));

    const tx = await appliedTogether(
      tags,
      tags.map(() => true),
    );

    // Until session 49: a savepoint, the read, the tags' write, their event: 4 statements each.
    expect(tx).toHaveLength(PER_BATCH + 1 + N + INBOX_ALONE);
    expect(tx.filter((s) => s.startsWith('SAVEPOINT'))).toEqual([]);
  });

  it("a batch's lock statement reads what its posts need, however many messages are stored", async () => {
    const { conversationId } = await sut.openConversation('web_chat');
    // Many visitor messages stored since the table's statistics were taken while it was small (the
    // bench runs without autovacuum), and the prepared statement's generic plan (pg's choice after
    // five runs): the planner hash-joined a batch's posts with a scan of every visitor message.
    await sut.db.query('ANALYZE conversation.messages');
    await sut.db.query(
      `INSERT INTO conversation.messages (id, conversation_id, author_type, author_id, client_message_id, text, created_at)
       SELECT gen_random_uuid(), $1, 'visitor', gen_random_uuid(), 'earlier-' || n, 'x', now()
         FROM generate_series(1, 5000) AS n`,
      [conversationId],
    );
    const posts: { visitorId: string; clientMessageId: string }[] = [];
    for (let i = 0; i < 4; i++)
      posts.push({ visitorId: await sut.newVisitor(), clientMessageId: randomUUID() });
    const repository = sut.app.get(MessagesRepository);

    const rowsRead = await sut.app.get(DataSource).transaction(async (tx) => {
      await tx.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await repository.lockForVisitorPosts(tx, [], [], posts);
      const [row] = await tx.query<{ n: string }[]>(
        `SELECT coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0) AS n FROM pg_stat_xact_user_tables
          WHERE schemaname = 'conversation' AND relname = 'messages'`,
      );
      return Number(row?.n ?? 0);
    });

    // None of these posts is a retry: one probe each of the unique index, which finds nothing. What
    // is read is planning's (the planner reads an index's ends for its estimates): 5,001 without the fix.
    expect(rowsRead).toBeLessThanOrEqual(10);
  });

  it('a message that comes alone: BEGIN, its reads and its write, its event, the inbox row, COMMIT', async () => {
    const { visitorId } = await sut.openConversation('web_chat');
    log.clear();

    await rq.call('conversation', 'visitor.post-message', post(visitorId).data);

    const txs = requestTransactions();
    expect(txs).toHaveLength(1);
    // A batch of one: no read of its stored reply first, no savepoint (it refuses only in its reads).
    // Applied alone, as when traffic is light every message was, it took 7.
    expect(summary(txs[0])).toHaveLength(5);
    expect(summary(txs[0]).filter((sql) => /FROM inbox|SAVEPOINT/.test(sql))).toEqual([]);
  });
});
