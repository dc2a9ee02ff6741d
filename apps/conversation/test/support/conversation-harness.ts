import type { Type } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  Channel,
  ConsumerProgress,
  CONVERSATION_CLOSURES,
  CONVERSATION_EVENTS,
  envelope,
  hasReached,
  NOTIFICATIONS_PUSH,
  Platform,
  ROUTING_EVENTS,
  RoutingEvent,
  RoutingEventData,
  RoutingEventType,
  type ReplyEnvelope,
} from '@pupitre/shared';
import { ServiceHarness, startServiceHarness, waitFor } from '@pupitre/shared/testing';
import { AssignmentProjectionService } from '../../src/assignments';
import { startConversation } from '../../src/main';

/**
 * Conversation alone on a real broker and database (startServiceHarness, listening to its events),
 * with the steps its integration tests share: routing's events played by the test, and visitors.
 */
export interface ConversationHarness extends ServiceHarness {
  /** Publishes a routing event and waits until conversation has applied it (its inbox has the id). */
  fromRouting<T extends RoutingEventType>(type: T, data: RoutingEventData<T>): Promise<void>;
  /** A registered visitor (platform: `ios` on mobile_app, none on web_chat, unless given). */
  newVisitor(channel?: Channel, platform?: Platform | null): Promise<string>;
  /** A registered visitor whose first message ('hello') opened a conversation. */
  openConversation(channel?: Channel): Promise<{ visitorId: string; conversationId: string }>;
  /** Routing's assignment of the conversation to `agentId`, applied. */
  assign(conversationId: string, channel: Channel, agentId: string): Promise<void>;
  /** How many messages are stored for this visitor with this clientMessageId. */
  storedCount(visitorId: string, clientMessageId: string): Promise<number>;
  /**
   * Sends `requests` to conversation in one batch (all with `key`) and counts the calls of `method` on
   * its `type` provider meanwhile: the reads its requests made for themselves, not with their batch
   * (BatchReadAhead).
   */
  askCountingReads<T extends object, M extends jest.FunctionPropertyNames<Required<T>>>(
    type: Type<T>,
    method: M,
    key: string,
    requests: { op: string; data: unknown }[],
  ): Promise<{ replies: (ReplyEnvelope | null)[]; reads: number }>;
}

export async function startConversationHarness(name: string): Promise<ConversationHarness> {
  const sut = await startServiceHarness(name, startConversation, [
    CONVERSATION_EVENTS,
    CONVERSATION_CLOSURES,
    NOTIFICATIONS_PUSH,
  ]);
  const { producer, requester: rq, db } = sut;

  const progress = new ConsumerProgress(sut.kafka, 'conversation', ROUTING_EVENTS);
  const projection = sut.app.get(AssignmentProjectionService);
  const fromRouting: ConversationHarness['fromRouting'] = async (type, data) => {
    const event = envelope(type, data, new Date());
    await producer.send(ROUTING_EVENTS, [
      { key: (data as { conversationId: string }).conversationId, value: JSON.stringify(event) },
    ]);
    if (projection.isIdempotent(event as RoutingEvent)) {
      // Idempotent by itself, it leaves no inbox row: wait for conversation's committed offsets to
      // pass everything the topic holds (they are committed after the database commit).
      const targets = await progress.ends();
      await waitFor(async () => hasReached(targets, await progress.committed()), { what: `${type} applied` });
      return;
    }
    await waitFor(
      async () =>
        (
          await db.query(
            `SELECT 1 FROM conversation.inbox WHERE message_id = $1 AND consumer = 'conversation'`,
            [event.eventId],
          )
        ).rowCount === 1,
      { what: `${type} applied` },
    );
  };

  const newVisitor: ConversationHarness['newVisitor'] = async (
    channel = 'mobile_app',
    platform = channel === 'mobile_app' ? 'ios' : null,
  ) => {
    const visitorId = randomUUID();
    await rq.call('conversation', 'visitor.register', { visitorId, channel, name: null, platform });
    return visitorId;
  };

  const openConversation: ConversationHarness['openConversation'] = async (channel = 'mobile_app') => {
    const visitorId = await newVisitor(channel);
    const { conversationId } = await rq.call('conversation', 'visitor.post-message', {
      visitorId,
      text: 'hello',
      clientMessageId: randomUUID(),
    });
    return { visitorId, conversationId };
  };

  const assign: ConversationHarness['assign'] = (conversationId, channel, agentId) =>
    fromRouting('conversation.assigned', {
      conversationId,
      channel,
      agentId,
      assignedAt: new Date().toISOString(),
      deadlines: {},
    });

  const storedCount: ConversationHarness['storedCount'] = async (visitorId, clientMessageId) =>
    Number(
      (
        await db.query(
          `SELECT count(*) AS n FROM conversation.messages m
             JOIN conversation.conversations c ON c.id = m.conversation_id
            WHERE c.visitor_id = $1 AND m.client_message_id = $2`,
          [visitorId, clientMessageId],
        )
      ).rows[0].n,
    );

  const askCountingReads: ConversationHarness['askCountingReads'] = async (type, method, key, requests) => {
    const reads = jest.spyOn(sut.app.get(type), method);
    try {
      const replies = await rq.askAll('conversation', key, requests);
      return { replies, reads: reads.mock.calls.length };
    } finally {
      reads.mockRestore();
    }
  };

  const stop = async () => {
    await progress.close();
    await sut.stop();
  };
  return { ...sut, stop, fromRouting, newVisitor, openConversation, assign, storedCount, askCountingReads };
}
