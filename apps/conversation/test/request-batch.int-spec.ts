import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { CONVERSATION_EVENTS, RequestProcessor } from '@pupitre/shared';
import { TestRequester, waitFor } from '@pupitre/shared/testing';
import { CannedResponsesRepository } from '../src/canned/canned-responses.repository';
import { MessagesRepository } from '../src/messages';
import { ConversationHarness, startConversationHarness } from './support/conversation-harness';

/**
 * Issue 7, the request path in batches: the requests a partition has ready are applied in one
 * transaction and answered together; a refused request does not fail its neighbours; a request the
 * gateway has already answered 503 (its commitBy passed while it waited for a lock) is never stored,
 * alone or in a batch. Conversation alone on a real broker and database; the test plays the gateway.
 */
describe('conversation: requests applied in batches', () => {
  let sut: ConversationHarness;
  let rq: TestRequester;
  let db: Client;
  let processor: RequestProcessor;

  beforeAll(async () => {
    sut = await startConversationHarness('reqbatch');
    ({ requester: rq, db } = sut);
    processor = sut.app.get(RequestProcessor);
  });

  afterAll(() => sut?.stop());

  const newVisitor = () => sut.newVisitor('web_chat', 'web');

  const post = (
    visitorId: string,
    clientMessageId: string,
    limits: { deadline?: Date; commitBy?: Date } = {},
  ) => ({
    op: 'visitor.post-message',
    data: { visitorId, text: `text ${clientMessageId}`, clientMessageId },
    ...limits,
  });

  const stored = (visitorId: string, clientMessageId: string) => sut.storedCount(visitorId, clientMessageId);

  /** Until a session of the service's database waits for a row lock. */
  const someoneWaitsOnALock = (what: string) =>
    waitFor(
      async () =>
        Number(
          (
            await db.query(
              `SELECT count(*) AS n FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            )
          ).rows[0].n,
        ) > 0,
      { what },
    );

  it('applies the requests of one partition together, answers each, and a refusal fails only itself', async () => {
    const [a, b] = [await newVisitor(), await newVisitor()];
    const before = processor.batchStats();

    const replies = await rq.askAll('conversation', a, [
      post(a, 'a-1'),
      post(randomUUID(), 'nobody'), // unknown visitor: refused
      post(b, 'b-1'),
      post(a, 'a-1'), // the same clientMessageId again: the first answer
      post(a, 'a-2'),
    ]);

    expect(replies.map((r) => r?.ok)).toEqual([true, false, true, true, true]);
    expect(replies[1]).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    const data = replies.map((r) => (r?.ok ? (r.data as { messageId: string; replayed?: true }) : null));
    expect(data[3]!.messageId).toBe(data[0]!.messageId);
    // The retry says so (the gateway waits for no desk event for it); a new message does not.
    expect(data.map((d) => d?.replayed)).toEqual([undefined, undefined, undefined, true, undefined]);
    expect(await stored(a, 'a-1')).toBe(1);
    expect(await stored(a, 'a-2')).toBe(1);
    expect(await stored(b, 'b-1')).toBe(1);
    const after = processor.batchStats();
    expect(after.transactions).toBeGreaterThan(before.transactions);
  });

  it('requests dropped past their deadline do not cut the batch: the live ones around them are applied together', async () => {
    const [a, b] = [await newVisitor(), await newVisitor()];
    const past = new Date(Date.now() - 1000);
    const before = processor.batchStats();

    const replies = await rq.askAll(
      'conversation',
      a,
      [
        post(a, 'late-1', { deadline: past }),
        post(a, 'live-a'),
        post(b, 'late-2', { deadline: past }),
        post(b, 'live-b'),
      ],
      3000,
    );

    expect(replies.map((r) => r?.ok ?? null)).toEqual([null, true, null, true]);
    expect(await stored(a, 'late-1')).toBe(0);
    expect(await stored(b, 'late-2')).toBe(0);
    const after = processor.batchStats();
    expect(after.transactions - before.transactions).toBe(1);
    expect(after.requests - before.requests).toBe(2);
  });

  /**
   * Lock order (issue 7: batches stopped deadlocking): a batch of visitor posts locks their open
   * conversations first, in id order — the order conversation's routing-event batches update them in
   * — not in the order of its requests (their visitors). Seen from outside: while the lower
   * conversation is held by someone else, the batch waits on it and has not locked the higher one.
   */
  it('a batch locks the conversations it will touch in id order before anything else', async () => {
    const opened: { visitor: string; conversation: string }[] = [];
    for (const visitor of [await newVisitor(), await newVisitor()]) {
      const r = await rq.call('conversation', 'visitor.post-message', {
        visitorId: visitor,
        text: 'hello',
        clientMessageId: `open-${visitor}`,
      });
      opened.push({ visitor, conversation: r.conversationId });
    }
    opened.sort((x, y) => (x.conversation < y.conversation ? -1 : 1));
    const [low, high] = opened;
    const holder = new Client({ host: db.host, port: db.port, user: db.user, database: db.database });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM conversation.conversations WHERE id = $1 FOR UPDATE', [
        low.conversation,
      ]);
      // One key for both, so the batch runs them as sent, high's first: without the lock order it would
      // lock high's conversation, then wait on low's.
      const answers = rq.askAll('conversation', high.visitor, [
        post(high.visitor, 'h'),
        post(low.visitor, 'l'),
      ]);
      await someoneWaitsOnALock('the batch waiting on the held conversation');
      await db.query('BEGIN');
      const free = await db
        .query('SELECT 1 FROM conversation.conversations WHERE id = $1 FOR UPDATE NOWAIT', [
          high.conversation,
        ])
        .then(
          () => true,
          () => false,
        );
      await db.query('ROLLBACK');
      expect(free).toBe(true);
      await holder.query('COMMIT');
      expect((await answers).map((r) => r?.ok)).toEqual([true, true]);
    } finally {
      await holder.end();
    }
  });

  /**
   * A batch reads its visitors' messages ahead, with its locks (BatchReadAhead): what it read
   * must still hold when each message is applied, or the message reads for itself.
   */
  describe('visitor messages read ahead with the batch lock', () => {
    const conversationOf = (reply: { ok: boolean; data?: unknown } | null) =>
      (reply as { data: { conversationId: string } }).data.conversationId;
    /** Transactions that applied several requests together since `before`, and their requests. */
    const together = (before: { transactions: number; requests: number }) => {
      const after = processor.batchStats();
      return {
        transactions: after.transactions - before.transactions,
        requests: after.requests - before.requests,
      };
    };

    it("an agent's close earlier in the batch: the visitor's message after it starts a new conversation (R13)", async () => {
      const agentId = randomUUID();
      const { visitorId, conversationId } = await sut.openConversation('web_chat');
      await sut.assign(conversationId, 'web_chat', agentId);

      const before = processor.batchStats();
      const replies = await rq.askAll('conversation', visitorId, [
        { op: 'agent.close', data: { agentId, conversationId } },
        post(visitorId, 'after-close'),
      ]);

      expect(replies.map((r) => r?.ok)).toEqual([true, true]);
      expect(conversationOf(replies[1])).not.toBe(conversationId);
      expect(together(before)).toEqual({ transactions: 1, requests: 2 });
    });

    it("a visitor's two first messages in one batch: one conversation, opened by the first", async () => {
      const visitor = await newVisitor();

      const before = processor.batchStats();
      const replies = await rq.askAll('conversation', visitor, [post(visitor, 'one'), post(visitor, 'two')]);

      expect(replies.map((r) => r?.ok)).toEqual([true, true]);
      expect(conversationOf(replies[1])).toBe(conversationOf(replies[0]));
      // Applied together: had the second read ahead (no open conversation), its opening would have
      // failed the unique index and the batch been applied one by one.
      expect(together(before)).toEqual({ transactions: 1, requests: 2 });
    });

    it("a visitor's several messages to their open conversation are read ahead: none reads for itself but the one sent twice", async () => {
      const { visitorId, conversationId } = await sut.openConversation('web_chat');
      const before = processor.batchStats();
      const { replies, reads: readsOfTheirOwn } = await sut.askCountingReads(
        MessagesRepository,
        'lockVisitorPost',
        visitorId,
        [
          post(visitorId, 'first'),
          post(visitorId, 'second'),
          post(visitorId, 'first'),
          post(visitorId, 'third'),
        ],
      );

      expect(replies.map((r) => r?.ok)).toEqual([true, true, true, true]);
      expect(together(before)).toEqual({ transactions: 1, requests: 4 });
      const data = replies.map((r) => (r as { data: { conversationId: string; messageId: string } }).data);
      expect(data.map((d) => d.conversationId)).toEqual(Array(4).fill(conversationId));
      // The one sent twice is the first again, found by its own read once the first was written.
      expect(data[2]).toEqual({ ...data[0], replayed: true });
      expect(readsOfTheirOwn).toBe(1);
      const history = await db.query(
        `SELECT m.text, m.id FROM conversation.messages m WHERE m.conversation_id = $1 ORDER BY m.seq`,
        [conversationId],
      );
      expect(history.rows.slice(1).map((r) => r.text)).toEqual(['text first', 'text second', 'text third']);
      expect(history.rows.slice(1).map((r) => r.id)).toEqual(
        [data[0], data[1], data[3]].map((d) => d.messageId),
      );
    });

    it('a message refused by its validation leaves its read to nobody: a later one with its key reads for itself', async () => {
      const agentId = randomUUID();
      const { visitorId, conversationId } = await sut.openConversation('web_chat');
      await sut.assign(conversationId, 'web_chat', agentId);
      const invalid = { ...post(visitorId, 'same'), data: { ...post(visitorId, 'same').data, text: '' } };

      const before = processor.batchStats();
      const replies = await rq.askAll('conversation', visitorId, [
        invalid,
        { op: 'agent.close', data: { agentId, conversationId } },
        post(visitorId, 'same'),
      ]);

      expect(replies.map((r) => r?.ok)).toEqual([false, true, true]);
      expect(conversationOf(replies[2])).not.toBe(conversationId);
      expect(together(before)).toEqual({ transactions: 1, requests: 3 });
    });

    it("visitors' messages written together keep the batch's order around an agent's answer: history and replies", async () => {
      const agentId = randomUUID();
      const [one, two, three] = [
        await sut.openConversation('web_chat'),
        await sut.openConversation('web_chat'),
        await sut.openConversation('web_chat'),
      ];
      await sut.assign(one.conversationId, 'web_chat', agentId);
      const answer = {
        op: 'agent.post-message',
        data: {
          agentId,
          conversationId: one.conversationId,
          text: 'the answer',
          clientMessageId: randomUUID(),
        },
      };

      const before = processor.batchStats();
      const replies = await rq.askAll('conversation', 'one-partition', [
        post(one.visitorId, 'first'),
        post(two.visitorId, 'second'),
        answer,
        post(three.visitorId, 'third'),
      ]);

      expect(replies.map((r) => r?.ok)).toEqual([true, true, true, true]);
      expect(together(before)).toEqual({ transactions: 1, requests: 4 });
      const history = await db.query(
        `SELECT m.text, m.id FROM conversation.messages m WHERE m.conversation_id = ANY($1::uuid[]) ORDER BY m.seq`,
        [[one.conversationId, two.conversationId, three.conversationId]],
      );
      // The two held-back messages went in before the answer; the third after it, at the inbox insert.
      expect(history.rows.map((r) => r.text).slice(3)).toEqual([
        'text first',
        'text second',
        'the answer',
        'text third',
      ]);
      const messageIds = replies.map((r) => (r as { data: { messageId: string } }).data.messageId);
      expect(history.rows.slice(3).map((r) => r.id)).toEqual(messageIds);
      // And on conversation.events, in the conversation's order: the visitor's message, then the answer.
      const posted = () =>
        rq
          .eventsOf('message.posted')
          .filter((e) => e.key === one.conversationId)
          .map((e) => (e.value.data as { message: { text: string } }).message.text);
      await waitFor(async () => posted().includes('the answer'), {
        what: 'the answer on conversation.events',
      });
      expect(posted()).toEqual(['hello', 'text first', 'the answer']);
    });

    it("held-back messages survive a refusal after them: one that rolls back to its savepoint (a canned response's delete), one in its read (an agent's close)", async () => {
      const [one, two] = [await sut.openConversation('web_chat'), await sut.openConversation('web_chat')];
      const stranger = randomUUID();

      const before = processor.batchStats();
      const replies = await rq.askAll('conversation', 'one-partition', [
        post(one.visitorId, 'kept'),
        { op: 'canned.delete', data: { id: randomUUID() } },
        post(two.visitorId, 'kept too'),
        // Read with the batch: refused with no statement of its own.
        {
          op: 'agent.tag',
          data: { agentId: stranger, conversationId: two.conversationId, tag: 'x', action: 'add' },
        },
        // Its conversation named before it: it reads for itself (writing what is held back first),
        // and is refused without a savepoint.
        { op: 'agent.close', data: { agentId: stranger, conversationId: two.conversationId } },
        post(two.visitorId, 'after'),
      ]);

      expect(replies.map((r) => r?.ok)).toEqual([true, false, true, false, false, true]);
      expect(together(before)).toEqual({ transactions: 1, requests: 6 });
      expect(await stored(one.visitorId, 'kept')).toBe(1);
      expect(await stored(two.visitorId, 'kept too')).toBe(1);
      expect(await stored(two.visitorId, 'after')).toBe(1);
    });

    it('a close committed while the batch waited for its lock is seen: the message starts a new conversation', async () => {
      const { visitorId, conversationId } = await sut.openConversation('web_chat');
      const other = await newVisitor();
      const closer = new Client({ host: db.host, port: db.port, user: db.user, database: db.database });
      await closer.connect();
      try {
        await closer.query('BEGIN');
        await closer.query(
          `UPDATE conversation.conversations SET status = 'closed', closed_at = now(), close_reason = 'agent'
            WHERE id = $1`,
          [conversationId],
        );
        const answers = rq.askAll('conversation', visitorId, [post(other, 'o'), post(visitorId, 'v')]);
        await someoneWaitsOnALock('the batch waiting on the conversation being closed');
        await closer.query('COMMIT');

        const replies = await answers;
        expect(replies.map((r) => r?.ok)).toEqual([true, true]);
        expect(conversationOf(replies[1])).not.toBe(conversationId);
      } finally {
        await closer.end();
      }
    });
  });

  /**
   * What the gateway does: it stops waiting at deadline + margin and answers 503. The request is
   * stuck behind a lock the test holds until then; when the lock goes, the service is past commitBy
   * (deadline − margin/2) and must roll back.
   */
  /** A batch reads its agents' messages ahead too, right after its lock (BatchReadAhead). */
  describe("agents' messages read ahead with the batch", () => {
    const answer = (agentId: string, conversationId: string, clientMessageId: string) => ({
      op: 'agent.post-message',
      data: { agentId, conversationId, text: `answer ${clientMessageId}`, clientMessageId },
    });
    /** The conversation's `conversation.closed` events' data, once there is one. */
    const closesOf = async (conversationId: string) => {
      const closed = () =>
        rq
          .eventsOf('conversation.closed', CONVERSATION_EVENTS)
          .filter((e) => e.key === conversationId)
          .map((e) => e.value.data as { reason: string; lastAgentMessage: unknown });
      await waitFor(async () => closed().length > 0, { what: 'conversation.closed' });
      return closed();
    };
    const messageIdOf = (reply: { ok: boolean; data?: unknown } | null) =>
      (reply as { data: { messageId: string } }).data.messageId;

    it("answers among visitors' messages keep the batch's order; one sent twice is the first again; a stranger's is refused", async () => {
      const agentId = randomUUID();
      const { visitorId, conversationId } = await sut.openConversation('web_chat');
      await sut.assign(conversationId, 'web_chat', agentId);
      const before = processor.batchStats();
      const { replies, reads: readsOfTheirOwn } = await sut.askCountingReads(
        MessagesRepository,
        'lockForAgentPost',
        'one-partition',
        [
          post(visitorId, 'question'),
          answer(agentId, conversationId, 'a1'),
          post(visitorId, 'thanks'),
          answer(agentId, conversationId, 'a1'),
          answer(randomUUID(), conversationId, 'stranger'),
          answer(agentId, conversationId, 'a2'),
        ],
      );

      expect(replies.map((r) => r?.ok)).toEqual([true, true, true, true, false, true]);
      expect((replies[4] as { error: { code: string } }).error.code).toBe('FORBIDDEN');
      const after = processor.batchStats();
      expect(after.transactions - before.transactions).toBe(1);
      expect(messageIdOf(replies[3])).toBe(messageIdOf(replies[1]));
      // Only the one sent twice read for itself (it is the first again, written by then).
      expect(readsOfTheirOwn).toBe(1);
      const history = await db.query(
        `SELECT m.text, m.id FROM conversation.messages m WHERE m.conversation_id = $1 ORDER BY m.seq`,
        [conversationId],
      );
      expect(history.rows.slice(1).map((r) => r.text)).toEqual([
        'text question',
        'answer a1',
        'text thanks',
        'answer a2',
      ]);
      // R14: the conversation points at its last agent message, the batch's last answer.
      const pointer = await db.query(
        'SELECT last_agent_message_id, last_agent_id FROM conversation.conversations WHERE id = $1',
        [conversationId],
      );
      expect(pointer.rows[0]).toEqual({
        last_agent_message_id: messageIdOf(replies[5]),
        last_agent_id: agentId,
      });
    });

    it('an answer and then the close in one batch: the close pays for the answer held back before it (R14)', async () => {
      const agentId = randomUUID();
      const { conversationId } = await sut.openConversation('web_chat');
      await sut.assign(conversationId, 'web_chat', agentId);

      const before = processor.batchStats();
      const replies = await rq.askAll('conversation', 'one-partition', [
        answer(agentId, conversationId, 'first'),
        answer(agentId, conversationId, 'last'),
        { op: 'agent.close', data: { agentId, conversationId } },
      ]);

      expect(replies.map((r) => r?.ok)).toEqual([true, true, true]);
      expect(processor.batchStats().transactions - before.transactions).toBe(1);
      // The answers were held back to be written with the batch; the close's read wrote them first, and
      // its event carries what that read found, with no read of its own.
      expect((await closesOf(conversationId)).map((c) => c.lastAgentMessage)).toEqual([
        { messageId: messageIdOf(replies[1]), agentId },
      ]);
    });

    it('a close read with its batch pays for the last answer stored before the batch (R14)', async () => {
      const agentId = randomUUID();
      const { visitorId, conversationId } = await sut.openConversation('web_chat');
      await sut.assign(conversationId, 'web_chat', agentId);
      const last = await rq.call(
        'conversation',
        'agent.post-message',
        answer(agentId, conversationId, 'last').data,
      );

      const replies = await rq.askAll('conversation', 'one-partition', [
        post(visitorId, 'thanks'),
        { op: 'agent.close', data: { agentId, conversationId } },
      ]);

      expect(replies.map((r) => r?.ok)).toEqual([true, true]);
      expect(await closesOf(conversationId)).toEqual([
        expect.objectContaining({
          reason: 'agent',
          lastAgentMessage: { messageId: (last as { messageId: string }).messageId, agentId },
        }),
      ]);
    });

    it("an agent's close earlier in the batch: their answer after it reads for itself and is refused", async () => {
      const agentId = randomUUID();
      const { conversationId } = await sut.openConversation('web_chat');
      await sut.assign(conversationId, 'web_chat', agentId);

      const before = processor.batchStats();
      const replies = await rq.askAll('conversation', 'one-partition', [
        answer(agentId, conversationId, 'before-close'),
        { op: 'agent.close', data: { agentId, conversationId } },
        answer(agentId, conversationId, 'after-close'),
      ]);

      expect(replies.map((r) => r?.ok)).toEqual([true, true, false]);
      expect((replies[2] as { error: { code: string } }).error.code).toBe('FORBIDDEN');
      expect(processor.batchStats().transactions - before.transactions).toBe(1);
      const texts = await db.query(
        `SELECT m.text FROM conversation.messages m WHERE m.conversation_id = $1 ORDER BY m.seq`,
        [conversationId],
      );
      expect(texts.rows.map((r) => r.text)).toEqual(['hello', 'answer before-close']);
    });

    it("canned sends are read with the batch's answers; a missing one is refused; one after a canned response's delete reads for itself", async () => {
      const agentId = randomUUID();
      const { conversationId } = await sut.openConversation('web_chat');
      await sut.assign(conversationId, 'web_chat', agentId);
      const cannedId = randomUUID();
      await rq.call('conversation', 'canned.create', { id: cannedId, title: 'Hours', text: 'We open at 9.' });
      const send = (cannedResponseId: string, clientMessageId: string) => ({
        op: 'agent.send-canned',
        data: { agentId, conversationId, cannedResponseId, clientMessageId },
      });
      const before = processor.batchStats();
      const { replies, reads: readsOfTheirOwn } = await sut.askCountingReads(
        CannedResponsesRepository,
        'find',
        'one-partition',
        [
          send(cannedId, 'c1'),
          send(randomUUID(), 'c2'),
          answer(agentId, conversationId, 'a1'),
          { op: 'canned.delete', data: { id: cannedId } },
          send(cannedId, 'c3'),
        ],
      );

      expect(replies.map((r) => r?.ok)).toEqual([true, false, true, true, false]);
      expect([replies[1], replies[4]].map((r) => (r as { error: { code: string } }).error.code)).toEqual([
        'NOT_FOUND',
        'NOT_FOUND',
      ]);
      expect(processor.batchStats().transactions - before.transactions).toBe(1);
      // Only the send after the delete read its canned response for itself.
      expect(readsOfTheirOwn).toBe(1);
      const texts = await db.query(
        `SELECT m.text FROM conversation.messages m WHERE m.conversation_id = $1 ORDER BY m.seq`,
        [conversationId],
      );
      expect(texts.rows.map((r) => r.text)).toEqual(['hello', 'We open at 9.', 'answer a1']);
    });
  });

  it('a request answered 503 while it waited for a lock is never stored, alone or beside others in its batch', async () => {
    const [stuck, neighbour] = [await newVisitor(), await newVisitor()];
    const deadline = new Date(Date.now() + 1500);
    const commitBy = new Date(deadline.getTime() - 500);
    const margin = 1000;

    const lock = sut.db; // a second session would be cleaner, but the harness's own suffices: it holds the lock
    await lock.query('BEGIN');
    await lock.query('SELECT 1 FROM conversation.visitors WHERE id = $1 FOR UPDATE', [stuck]);
    const answers = rq.askAll(
      'conversation',
      stuck,
      [post(stuck, 'late', { deadline, commitBy }), post(neighbour, 'on-time')],
      deadline.getTime() + margin - Date.now(),
    );
    // The gateway's 503: no answer came before deadline + margin.
    const [late] = await answers;
    expect(late).toBeNull();
    await lock.query('COMMIT');

    await waitFor(async () => (await stored(neighbour, 'on-time')) === 1, { what: 'the neighbour applied' });
    // A marker behind both, on the same key: everything before it has been consumed.
    const [marker] = await rq.askAll('conversation', stuck, [post(stuck, 'marker')]);
    expect(marker?.ok).toBe(true);
    expect(await stored(stuck, 'late')).toBe(0);
    expect(await stored(neighbour, 'on-time')).toBe(1);
  });
});
