import { randomUUID } from 'node:crypto';
import type { PostedMessage } from '@pupitre/shared';
import { TestRequester, waitFor } from '@pupitre/shared/testing';
import { ConversationHarness, startConversationHarness } from './support/conversation-harness';

/**
 * Issue 7: a visitor's message asked to be answered by its event (`answerByEventUntil`, as the
 * gateway asks) gets no reply when it commits in time: its `message.posted`, caused by the request,
 * is the answer. A replayed message (no event), a refusal and a commit past that instant are answered
 * by a reply as before. Conversation alone on a real broker and database; the gateway is played by the
 * test.
 */
describe('conversation: a visitor message answered by its event', () => {
  let sut: ConversationHarness;
  let rq: TestRequester;

  beforeAll(async () => {
    sut = await startConversationHarness('answer-by-event');
    rq = sut.requester;
  });

  afterAll(() => sut?.stop());

  const post = (visitorId: string, clientMessageId: string, answerByEventUntil: Date, requestId?: string) =>
    rq.askAll(
      'conversation',
      visitorId,
      [
        {
          op: 'visitor.post-message',
          data: { visitorId, text: `text ${clientMessageId}`, clientMessageId },
          deadline: new Date(Date.now() + 60_000),
          answerByEventUntil,
          requestId,
        },
      ],
      // Answered by its event, it gets no reply: the promise settles (null) once this passes.
      1000,
    );

  const causedBy = (requestId: string) =>
    rq.eventsOf('message.posted').filter((e) => e.value.causationId === requestId);

  it('a new message committed in time: its message.posted carries the answer, no reply is sent', async () => {
    const visitorId = await sut.newVisitor('mobile_app');
    const soon = new Date(Date.now() + 60_000);
    const first = randomUUID();
    const unanswered = post(visitorId, 'cm-1', soon, first);
    await waitFor(() => causedBy(first).length === 1, { what: "the message's event" });
    const event = causedBy(first)[0].value.data as { conversationId: string; message: { id: string } };

    // The same clientMessageId again (a client's retry): stored before, no event, so a reply.
    const [again] = await post(visitorId, 'cm-1', soon);
    expect(again).toMatchObject({ ok: true, data: { messageId: event.message.id, replayed: true } });
    const data = (again as { data: PostedMessage }).data;
    expect(data.conversationId).toBe(event.conversationId);

    // The retry's reply left after the first request's commit, on the same partition: the first
    // request's reply, had it been sent, was there before it.
    expect(await unanswered).toEqual([null]);
    expect(rq.replies.filter((r) => r.requestId === first)).toEqual([]);
    expect(await sut.storedCount(visitorId, 'cm-1')).toBe(1);
  });

  it('a commit past answerByEventUntil, and a refusal, are answered by a reply', async () => {
    const visitorId = await sut.newVisitor('mobile_app');
    const [late] = await post(visitorId, 'cm-late', new Date(Date.now() - 1000));
    expect(late).toMatchObject({ ok: true, data: { conversationId: expect.any(String) } });
    await waitFor(() => causedBy(late!.requestId).length === 1, { what: "the late message's event" });

    const [refused] = await post(randomUUID(), 'cm-unknown', new Date(Date.now() + 60_000));
    expect(refused).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
  });
});
