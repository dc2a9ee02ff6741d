import { randomUUID } from 'node:crypto';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import type { PushNotification } from '@pupitre/shared';
import { waitFor } from '@pupitre/shared/testing';
import { pushEventId } from '../../apps/conversation/src/push/domain/push-notification';
import { factory } from './support/factories';
import type { Desk } from './support/sockets';
import { startSystem, System, Visitor } from './support/system';

/**
 * CONTRACT.md Additions: `PUT/DELETE /v1/visitor/push-token`, and `notifications.push` read the way
 * an app's push sender would, with a plain kafkajs consumer: one record per agent message while the
 * visitor has no connected `/visitor` socket and has a push token, none while one is connected.
 */
describe('push for visitors who left (e2e)', () => {
  let sut: System;
  let consumer: Consumer;
  const records: { key: string; value: PushNotification }[] = [];

  beforeAll(async () => {
    sut = await startSystem();
    const kafka = new Kafka({
      clientId: 'push-sender',
      brokers: sut.kafka.brokers,
      logLevel: logLevel.NOTHING,
    });
    consumer = kafka.consumer({ groupId: `${sut.kafka.topicPrefix}app-push-sender` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${sut.kafka.topicPrefix}notifications.push`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        records.push({
          key: String(message.key),
          value: JSON.parse(String(message.value)) as PushNotification,
        });
      },
    });
  });
  afterEach(() => sut.reset());
  afterAll(async () => {
    await consumer?.disconnect();
    await sut?.stop();
  });

  const recordsOf = (visitor: Visitor) => records.filter((r) => r.key === visitor.id).map((r) => r.value);
  const pushed = (messageId: string) =>
    waitFor(() => records.find((r) => r.value.messageId === messageId)?.value, {
      what: `notifications.push for ${messageId}`,
    });
  const putToken = (visitor: Visitor, body: unknown) =>
    sut.http('PUT', '/v1/visitor/push-token', { token: visitor.token, body });
  const answer = async (desk: Desk, conversationId: string, text: string) => {
    const ack = await desk.send(conversationId, text);
    expect(ack.ok).toBe(true);
    return ack.messageId!;
  };
  const mobileConversation = async () => {
    const { desk } = await sut.agentAtDesk();
    const visitor = await sut.visitor('mobile_app');
    expect((await putToken(visitor, { platform: 'ios', token: `apns-${randomUUID()}` })).status).toBe(204);
    const { conversationId } = await visitor.say('Bonjour, je quitte l’app');
    await desk.assigned(conversationId);
    return { desk, visitor, conversationId };
  };

  it('one record per agent message while the visitor is away, none while a socket is connected; a retried command publishes nothing new', async () => {
    const { desk, visitor, conversationId } = await mobileConversation();
    const token = `apns-${randomUUID()}`;
    expect((await putToken(visitor, { platform: 'ios', token })).status).toBe(204); // the latest wins

    const clientMessageId = randomUUID();
    const first = await desk.send(conversationId, 'Votre commande est partie 📦', clientMessageId);
    const second = await answer(desk, conversationId, 'Autre chose ?');
    const record = await pushed(first.messageId!);
    await pushed(second);
    expect(record).toEqual({
      eventId: pushEventId(first.messageId!),
      visitorId: visitor.id,
      conversationId,
      messageId: first.messageId,
      preview: 'Votre commande est partie 📦',
      pushToken: token,
      platform: 'ios',
      createdAt: expect.any(String),
    });
    // The same command again (a desk retry) stores nothing and publishes nothing.
    expect((await desk.send(conversationId, 'Votre commande est partie 📦', clientMessageId)).messageId).toBe(
      first.messageId,
    );

    // Connected: the agent's message reaches the socket, and no record is published.
    const socket = await visitor.socket();
    const whileConnected = await answer(desk, conversationId, 'Vous êtes là ?');
    await socket.next('message.created', (e) => e.message.id === whileConnected);
    socket.close();

    // Gone again: once the gateway has reported the socket gone, messages are pushed again.
    const afterwards: string[] = [];
    const last = await waitFor(
      async () => {
        afterwards.push(await answer(desk, conversationId, `Toujours là ? ${afterwards.length}`));
        return records.find((r) => afterwards.includes(r.value.messageId))?.value;
      },
      { what: 'a record for a message sent after the socket closed', intervalMs: 300 },
    );
    const ids = recordsOf(visitor).map((r) => r.messageId);
    expect(ids.slice(0, 3)).toEqual([first.messageId, second, last.messageId]);
    expect(ids).not.toContain(whileConnected);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(recordsOf(visitor).map((r) => r.eventId)).size).toBe(ids.length);
  });

  it('presence is system-wide: a socket on another gateway holds the push back; once that gateway stops, pushes resume', async () => {
    const { desk, visitor, conversationId } = await mobileConversation();
    const other = await sut.anotherGateway();
    const socket = await other.visitorSocket(visitor.token);
    const whileThere = await answer(desk, conversationId, 'Vu depuis l’autre passerelle ?');
    await socket.next('message.created', (e) => e.message.id === whileThere);
    await other.stop(); // its sockets go, and it tells conversation so on its way out

    const afterwards: string[] = [];
    const pushedAfter = await waitFor(
      async () => {
        afterwards.push(await answer(desk, conversationId, `Et maintenant ? ${afterwards.length}`));
        return records.find((r) => afterwards.includes(r.value.messageId))?.value;
      },
      { what: 'a record once the other gateway stopped', intervalMs: 300 },
    );
    // The call that found the first record had already sent the next answer, whose record may be in
    // by now: the records are the answers from the first one pushed on, in order, none before it and
    // none from while the other gateway held the socket.
    const ids = recordsOf(visitor).map((r) => r.messageId);
    const first = afterwards.indexOf(pushedAfter.messageId);
    expect(ids).toEqual(afterwards.slice(first, first + ids.length));
    expect(ids).not.toContain(whileThere);
  });

  it('no record once the token is removed; a new token brings them back', async () => {
    const { desk, visitor, conversationId } = await mobileConversation();
    expect((await sut.http('DELETE', '/v1/visitor/push-token', { token: visitor.token })).status).toBe(204);
    const untokened = await answer(desk, conversationId, 'Sans jeton');
    expect((await putToken(visitor, { platform: 'android', token: 'fcm-token' })).status).toBe(204);
    const tokened = await answer(desk, conversationId, 'Avec jeton');
    expect(await pushed(tokened)).toMatchObject({ pushToken: 'fcm-token', platform: 'android' });
    expect(recordsOf(visitor).map((r) => r.messageId)).toEqual([tokened]);
    expect(untokened).toBeDefined();
  });

  it.each([
    ['no platform', { token: 'x' }],
    ['an unknown platform', { platform: 'windows', token: 'x' }],
    ['an empty token', { platform: 'web', token: '' }],
    ['a token of 4097 characters', { platform: 'web', token: 'x'.repeat(4097) }],
  ])('PUT /v1/visitor/push-token refuses %s (400 VALIDATION_FAILED)', async (_name, body) => {
    const visitor = await sut.visitor('web_chat');
    const res = await putToken(visitor, body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });

  it('takes a token of 4096 characters; without a visitor token, 401', async () => {
    const visitor = await sut.visitor('web_chat', factory.visitor('web_chat'));
    expect((await putToken(visitor, { platform: 'web', token: 'x'.repeat(4096) })).status).toBe(204);
    const res = await sut.http('PUT', '/v1/visitor/push-token', { body: { platform: 'web', token: 'x' } });
    expect(res.status).toBe(401);
  });
});
