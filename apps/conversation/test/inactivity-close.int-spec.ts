import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { CONVERSATION_CLOSURES, CONVERSATION_EVENTS } from '@pupitre/shared';
import type { TestRequester } from '@pupitre/shared/testing';
import { waitFor } from '@pupitre/shared/testing';
import { ConversationHarness, startConversationHarness } from './support/conversation-harness';

const DAY = 24 * 3600 * 1000;

/** Conversation alone on a real broker and database; routing's events are played by the test. */
describe('conversation: R11, the inactivity close', () => {
  let sut: ConversationHarness;
  let rq: TestRequester;
  let db: Client;

  beforeAll(async () => {
    sut = await startConversationHarness('conversation');
    ({ requester: rq, db } = sut);
  });

  afterAll(() => sut?.stop());

  const statusOf = async (conversationId: string) =>
    (
      await db.query<{ status: string; close_reason: string | null; closed_at: Date | null }>(
        'SELECT status, close_reason, closed_at FROM conversation.conversations WHERE id = $1',
        [conversationId],
      )
    ).rows[0];

  /** A mobile conversation held by a fresh agent, who has answered once; returns that answer's time. */
  async function answeredConversation() {
    const agentId = randomUUID();
    const { visitorId, conversationId } = await sut.openConversation('mobile_app');
    await sut.assign(conversationId, 'mobile_app', agentId);
    const { messageId } = await rq.call('conversation', 'agent.post-message', {
      agentId,
      conversationId,
      text: 'how can I help?',
      clientMessageId: randomUUID(),
    });
    const view = await rq.call('conversation', 'conversation.view', { conversationId });
    const answeredAt = view.messages.find((m) => m.id === messageId)!.createdAt;
    return { visitorId, agentId, conversationId, messageId, answeredAt };
  }
  const closeDue = (conversationId: string, lastAgentMessageAt: string) =>
    sut.fromRouting('conversation.close-due', {
      conversationId,
      reason: 'inactivity',
      dueAt: new Date(Date.parse(lastAgentMessageAt) + 7 * DAY).toISOString(),
      lastAgentMessageAt,
    });

  it('R11: the visitor stayed silent since the agent message: closed for good, reason inactivity, at the due time', async () => {
    const c = await answeredConversation();
    await closeDue(c.conversationId, c.answeredAt);

    const dueAt = new Date(Date.parse(c.answeredAt) + 7 * DAY);
    expect(await statusOf(c.conversationId)).toEqual({
      status: 'closed',
      close_reason: 'inactivity',
      closed_at: dueAt,
    });
    const closed = await waitFor(() =>
      rq.eventsOf('conversation.closed', CONVERSATION_EVENTS).find((e) => e.key === c.conversationId),
    );
    // R14's input: the last agent message before the close.
    expect(closed.value.data).toMatchObject({
      reason: 'inactivity',
      closedAt: dueAt.toISOString(),
      lastAgentMessage: { messageId: c.messageId, agentId: c.agentId },
    });
    // Billing's topic carries the same record (same eventId), keyed by the conversation too.
    const onClosures = () =>
      rq.eventsOf('conversation.closed', CONVERSATION_CLOSURES).filter((e) => e.key === c.conversationId);
    const [forBilling] = await waitFor(() => onClosures().length > 0 && onClosures());
    expect(forBilling.value).toEqual(closed.value);
    // Once: the close's two rows are one statement, published once.
    expect(onClosures()).toHaveLength(1);
    // And nothing else: the messages posted above are not on it.
    const types = new Set(rq.seen.filter((e) => e.topic === CONVERSATION_CLOSURES).map((e) => e.value.type));
    expect([...types]).toEqual(['conversation.closed']);
  });

  it('R11: the visitor wrote after the agent message (routing was behind): not closed', async () => {
    const c = await answeredConversation();
    await rq.call('conversation', 'visitor.post-message', {
      visitorId: c.visitorId,
      text: 'still there',
      clientMessageId: randomUUID(),
    });
    await closeDue(c.conversationId, c.answeredAt);

    expect(await statusOf(c.conversationId)).toMatchObject({ status: 'assigned', closed_at: null });
  });

  it('R11: the agent wrote again after the message routing counted from: not closed yet', async () => {
    const c = await answeredConversation();
    await rq.call('conversation', 'agent.post-message', {
      agentId: c.agentId,
      conversationId: c.conversationId,
      text: 'anything else?',
      clientMessageId: randomUUID(),
    });
    await closeDue(c.conversationId, c.answeredAt);

    expect(await statusOf(c.conversationId)).toMatchObject({ status: 'assigned', closed_at: null });
  });

  it('a close-due for a conversation the agent already closed (R12) changes nothing', async () => {
    const c = await answeredConversation();
    await rq.call('conversation', 'agent.close', { agentId: c.agentId, conversationId: c.conversationId });
    const before = await statusOf(c.conversationId);
    await closeDue(c.conversationId, c.answeredAt);

    expect(await statusOf(c.conversationId)).toEqual(before);
    expect(before.close_reason).toBe('agent');
  });
});
