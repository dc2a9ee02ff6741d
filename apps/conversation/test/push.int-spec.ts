import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import {
  CONVERSATION_EVENTS,
  envelope,
  KafkaProducer,
  PushNotification,
  ROUTING_EVENTS,
} from '@pupitre/shared';
import { ServiceHarness, startServiceHarness, TestRequester, waitFor } from '@pupitre/shared/testing';
import { pushEventId } from '../src/push/domain/push-notification';
import { startConversation } from '../src/main';

/**
 * Conversation alone on a real broker and database: the gateways' presence reports and routing's
 * assignment are played by the test; what `notifications.push` would get is read from the outbox,
 * written in the transaction of each agent message.
 */
describe('conversation: notifications.push and visitor presence', () => {
  let sut: ServiceHarness;
  let routing: KafkaProducer;
  let rq: TestRequester;
  let db: Client;

  beforeAll(async () => {
    sut = await startServiceHarness('conversation', startConversation, [CONVERSATION_EVENTS]);
    ({ producer: routing, requester: rq, db } = sut);
  });

  afterAll(() => sut?.stop());

  const pushesOf = async (visitorId: string) =>
    (
      await db.query<{ payload: PushNotification }>(
        `SELECT payload FROM conversation.outbox WHERE topic = 'notifications.push' AND aggregate_id = $1 ORDER BY id`,
        [visitorId],
      )
    ).rows.map((r) => r.payload);

  /** A visitor with a push token and a conversation held by an agent; `say` posts an agent message. */
  async function heldConversation() {
    const visitorId = randomUUID();
    const agentId = randomUUID();
    await rq.call('conversation', 'visitor.register', {
      visitorId,
      channel: 'mobile_app',
      name: null,
      platform: 'ios',
    });
    const { conversationId } = await rq.call('conversation', 'visitor.post-message', {
      visitorId,
      text: 'hello',
      clientMessageId: randomUUID(),
    });
    const event = envelope(
      'conversation.assigned',
      {
        conversationId,
        channel: 'mobile_app' as const,
        agentId,
        assignedAt: new Date().toISOString(),
        deadlines: {},
      },
      new Date(),
    );
    await routing.send(ROUTING_EVENTS, [{ key: conversationId, value: JSON.stringify(event) }]);
    const say = async (text: string) =>
      (
        await waitFor(
          () =>
            rq
              .call('conversation', 'agent.post-message', {
                agentId,
                conversationId,
                text,
                clientMessageId: randomUUID(),
              })
              .catch(() => null),
          { what: 'an agent message accepted' },
        )
      ).messageId;
    await rq.call('conversation', 'visitor.set-push-token', {
      visitorId,
      platform: 'android',
      token: 'fcm-1',
    });
    return { visitorId, conversationId, say };
  }
  const presence = (visitorId: string, gatewayInstance: string, sockets: number, seq: number) =>
    rq.call('conversation', 'visitor.presence', { visitorId, gatewayInstance, sockets, seq });

  it('one record per agent message while away, with an eventId derived from the message; none without a token', async () => {
    const { visitorId, conversationId, say } = await heldConversation();
    const first = await say('Bonjour');
    expect(await pushesOf(visitorId)).toEqual([
      {
        eventId: pushEventId(first),
        visitorId,
        conversationId,
        messageId: first,
        preview: 'Bonjour',
        pushToken: 'fcm-1',
        platform: 'android',
        createdAt: expect.any(String),
      },
    ]);
    await rq.call('conversation', 'visitor.clear-push-token', { visitorId });
    await say('sans jeton');
    expect(await pushesOf(visitorId)).toHaveLength(1);
  });

  it('a socket on a live gateway instance holds the push back; an instance that stopped heartbeating counts as gone', async () => {
    const { visitorId, say } = await heldConversation();
    const instance = `gw-${randomUUID()}`;
    await presence(visitorId, instance, 1, 10);
    await say('connected');
    expect(await pushesOf(visitorId)).toEqual([]);

    await db.query(
      `UPDATE conversation.gateway_instances SET seen_at = now() - interval '1 minute' WHERE instance = $1`,
      [instance],
    );
    const whileSilent = await say('its gateway is silent');
    expect((await pushesOf(visitorId)).map((p) => p.messageId)).toEqual([whileSilent]);

    await rq.call('conversation', 'gateway.heartbeat', { gatewayInstance: instance });
    await say('its gateway beats again');
    expect(await pushesOf(visitorId)).toHaveLength(1);
  });

  it('presence over several instances: a late report never overwrites a newer one; a reset forgets what came before it', async () => {
    const { visitorId, say } = await heldConversation();
    const [a, b] = [`gw-a-${randomUUID()}`, `gw-b-${randomUUID()}`];
    await presence(visitorId, a, 1, 20);
    await presence(visitorId, a, 0, 19); // sent before, read after
    await say('still connected on a');
    expect(await pushesOf(visitorId)).toEqual([]);

    await presence(visitorId, b, 1, 5);
    await presence(visitorId, a, 0, 21);
    await say('connected on b only');
    expect(await pushesOf(visitorId)).toEqual([]);

    await rq.call('conversation', 'gateway.presence-reset', { gatewayInstance: b, seq: 6 });
    const gone = await say('b restarted: gone everywhere');
    expect((await pushesOf(visitorId)).map((p) => p.messageId)).toEqual([gone]);
  });
});
