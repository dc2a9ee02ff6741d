import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { KafkaProducer, PostedMessage, RequestEnvelope, requestTopic } from '@pupitre/shared';
import { TestRequester, waitFor } from '@pupitre/shared/testing';
import { ConversationHarness, startConversationHarness } from './support/conversation-harness';

/**
 * Issue 7, overload: a request whose deadline has passed is dropped unapplied and unanswered, a
 * redelivery of it too; a fresh request with the same clientMessageId is then applied once.
 * Conversation alone on a real broker and database; the gateway is played by the test.
 */
describe('conversation: requests past their deadline are not applied', () => {
  let sut: ConversationHarness;
  let gateway: KafkaProducer;
  let rq: TestRequester;
  let db: Client;

  beforeAll(async () => {
    sut = await startConversationHarness('deadline');
    ({ producer: gateway, requester: rq, db } = sut);
  });

  afterAll(() => sut?.stop());

  const newVisitor = () => sut.newVisitor('mobile_app');

  /** What an older or a current gateway writes, sent as is (keyed by the visitor, like the gateway). */
  const postRaw = async (
    visitorId: string,
    clientMessageId: string,
    deadline: Date,
    requestId = randomUUID(),
  ) => {
    const envelope: RequestEnvelope = {
      requestId,
      op: 'visitor.post-message',
      replyKey: 'a-gateway-that-gave-up',
      sentAt: new Date(deadline.getTime() - 5000).toISOString(),
      deadline: deadline.toISOString(),
      correlationId: requestId,
      data: { visitorId, text: `raw ${clientMessageId}`, clientMessageId },
    };
    await gateway.send(requestTopic('conversation'), [{ key: visitorId, value: JSON.stringify(envelope) }]);
    return requestId;
  };

  /**
   * A later request on the same key (so the same partition, served in order), with its deadline
   * ahead, has been applied: everything sent before it on that key has been consumed.
   */
  const consumedUpTo = async (visitorId: string) => {
    const marker = await postRaw(visitorId, `marker-${randomUUID()}`, new Date(Date.now() + 60_000));
    await waitFor(async () => (await inInbox(marker)) === 1, { what: 'the marker request applied' });
  };

  const stored = (visitorId: string, clientMessageId: string) => sut.storedCount(visitorId, clientMessageId);

  const inInbox = async (requestId: string) =>
    (await db.query('SELECT 1 FROM conversation.inbox WHERE message_id = $1', [requestId])).rowCount ?? 0;

  it('a visitor.post-message whose deadline has passed changes nothing, nor does its redelivery; a fresh one with the same clientMessageId is applied once', async () => {
    const visitorId = await newVisitor();
    const expired = new Date(Date.now() - 1000);

    const requestId = await postRaw(visitorId, 'cm-late', expired);
    await consumedUpTo(visitorId);

    expect(await stored(visitorId, 'cm-late')).toBe(0);
    expect(await inInbox(requestId)).toBe(0);
    const posted = rq
      .eventsOf('message.posted')
      .filter((e) => (e.value.data?.message as { text?: string } | undefined)?.text === 'raw cm-late');
    expect(posted).toEqual([]);

    // The same record again (a redelivery): still past its deadline, still dropped.
    await postRaw(visitorId, 'cm-late', expired, requestId);
    await consumedUpTo(visitorId);
    expect(await stored(visitorId, 'cm-late')).toBe(0);
    expect(await inInbox(requestId)).toBe(0);

    // The client retries with the same clientMessageId: applied, once.
    const first = await rq.call('conversation', 'visitor.post-message', {
      visitorId,
      text: 'on time',
      clientMessageId: 'cm-late',
    });
    const again = await rq.call('conversation', 'visitor.post-message', {
      visitorId,
      text: 'on time',
      clientMessageId: 'cm-late',
    });
    expect(again.messageId).toBe(first.messageId);
    expect(await stored(visitorId, 'cm-late')).toBe(1);
  });

  it('a request with its deadline still ahead is applied and answered', async () => {
    const visitorId = await newVisitor();
    const reply = await rq.ask('conversation', 'visitor.post-message', {
      visitorId,
      text: 'in time',
      clientMessageId: 'cm-1',
    });
    expect(reply.ok).toBe(true);
    const requestId = await postRaw(visitorId, 'cm-2', new Date(Date.now() + 60_000));
    await consumedUpTo(visitorId);
    expect(await inInbox(requestId)).toBe(1);
    expect(await stored(visitorId, 'cm-1')).toBe(1);
    expect(await stored(visitorId, 'cm-2')).toBe(1);
    expect((reply as { data: PostedMessage }).data.messageId).toEqual(expect.any(String));
  });
});
