import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import {
  CONVERSATION_EVENTS,
  envelope,
  KafkaProducer,
  ROUTING_EVENTS,
  RoutingEventData,
  RoutingEventType,
} from '@pupitre/shared';
import { ServiceHarness, startServiceHarness, TestRequester, waitFor } from '@pupitre/shared/testing';
import { startConversation } from '../src/main';

/**
 * Issue 8: a routing event replayed late (a dead letter, replayed after newer events were applied)
 * never rewrites a newer holder in conversation's copy: routing's events about a conversation carry a
 * version, and an older one is dropped. Conversation alone; routing's events are played by the test.
 */
describe('conversation: routing events older than the last applied are dropped', () => {
  let sut: ServiceHarness;
  let routing: KafkaProducer;
  let rq: TestRequester;
  let db: Client;

  beforeAll(async () => {
    sut = await startServiceHarness('versions', startConversation, [CONVERSATION_EVENTS]);
    ({ producer: routing, requester: rq, db } = sut);
  });

  afterAll(() => sut?.stop());

  /** Publishes a routing event and waits until conversation has consumed it (its inbox has the id). */
  const fromRouting = async <T extends RoutingEventType>(type: T, data: RoutingEventData<T>) => {
    const event = envelope(type, data, new Date());
    await routing.send(ROUTING_EVENTS, [
      { key: (data as { conversationId: string }).conversationId, value: JSON.stringify(event) },
    ]);
    await waitFor(
      async () =>
        (
          await db.query(
            `SELECT 1 FROM conversation.inbox WHERE message_id = $1 AND consumer = 'conversation'`,
            [event.eventId],
          )
        ).rowCount === 1,
      { what: `${type} consumed` },
    );
  };
  const holderOf = async (conversationId: string) =>
    (
      await db.query<{ agent_id: string | null; status: string }>(
        'SELECT agent_id, status FROM conversation.conversations WHERE id = $1',
        [conversationId],
      )
    ).rows[0];

  it('keeps the newer holder when an older assignment or unassignment comes late', async () => {
    const visitorId = randomUUID();
    await rq.call('conversation', 'visitor.register', {
      visitorId,
      channel: 'web_chat',
      name: null,
      platform: null,
    });
    const { conversationId } = await rq.call('conversation', 'visitor.post-message', {
      visitorId,
      text: 'hello',
      clientMessageId: randomUUID(),
    });
    const [first, second] = [randomUUID(), randomUUID()];
    const assigned = (agentId: string, version: number) => ({
      conversationId,
      channel: 'web_chat' as const,
      agentId,
      assignedAt: new Date().toISOString(),
      deadlines: {},
      version,
    });

    await fromRouting('conversation.assigned', assigned(second, 3));
    expect(await holderOf(conversationId)).toEqual({ agent_id: second, status: 'assigned' });
    const recordedFor = () =>
      rq
        .eventsOf('conversation.assignment-recorded')
        .filter((e) => e.key === conversationId)
        .map((e) => e.value.data!.agentId);
    await waitFor(() => recordedFor().length === 1, { what: 'the assignment recorded' });

    // Routing's earlier decisions, replayed after: the first assignment, then its taking away.
    await fromRouting('conversation.assigned', assigned(first, 1));
    await fromRouting('conversation.unassigned', {
      conversationId,
      channel: 'web_chat',
      agentId: second,
      reason: 'released',
      next: 'released',
      version: 2,
    });

    expect(await holderOf(conversationId)).toEqual({ agent_id: second, status: 'assigned' });
    expect(recordedFor()).toEqual([second]);
    expect(rq.eventsOf('conversation.unassignment-recorded').filter((e) => e.key === conversationId)).toEqual(
      [],
    );
  });
});
