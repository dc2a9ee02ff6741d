import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { NOTIFICATIONS_PUSH, PushNotification } from '@pupitre/shared';
import { TestRequester, waitFor } from '@pupitre/shared/testing';
import { PresenceCleanup } from '../src/push';
import { pushEventId } from '../src/push/domain/push-notification';
import { MessagesRepository } from '../src/messages';
import { ConversationHarness, startConversationHarness } from './support/conversation-harness';

/**
 * Conversation alone on a real broker and database: the gateways' presence reports and routing's
 * assignment are played by the test; what `notifications.push` gets is read from the topic.
 */
describe('conversation: notifications.push and visitor presence', () => {
  let sut: ConversationHarness;
  let rq: TestRequester;
  let db: Client;

  beforeAll(async () => {
    sut = await startConversationHarness('conversation');
    ({ requester: rq, db } = sut);
  });

  afterAll(() => sut?.stop());

  /**
   * Every push published for this visitor so far. A push is written with its message, so once the
   * outbox holds no row of the visitor's they are all on the topic; a marker sent after that on the
   * visitor's key lands behind them in the same partition, and once it is read, so are they.
   */
  const pushesOf = async (visitorId: string): Promise<PushNotification[]> => {
    await waitFor(
      async () =>
        (await db.query('SELECT 1 FROM conversation.outbox WHERE aggregate_id = $1', [visitorId]))
          .rowCount === 0,
      { what: "the visitor's pushes published" },
    );
    const marker = randomUUID();
    await sut.producer.send(NOTIFICATIONS_PUSH, [{ key: visitorId, value: JSON.stringify({ marker }) }]);
    const seen = () => rq.seen.filter((s) => s.topic === NOTIFICATIONS_PUSH && s.key === visitorId);
    await waitFor(() => seen().some((s) => (s.value as { marker?: string }).marker === marker), {
      what: 'the marker read back',
    });
    return seen()
      .map((s) => s.value as unknown as PushNotification & { marker?: string })
      .filter((p) => p.marker === undefined);
  };

  /** A visitor with a push token and a conversation held by an agent; `say` posts an agent message. */
  async function heldConversation() {
    const agentId = randomUUID();
    const { visitorId, conversationId } = await sut.openConversation('mobile_app');
    await sut.assign(conversationId, 'mobile_app', agentId);
    const say = async (text: string) =>
      (
        await rq.call('conversation', 'agent.post-message', {
          agentId,
          conversationId,
          text,
          clientMessageId: randomUUID(),
        })
      ).messageId;
    await rq.call('conversation', 'visitor.set-push-token', {
      visitorId,
      platform: 'android',
      token: 'fcm-1',
    });
    return { visitorId, conversationId, agentId, say };
  }
  /** An agent message for a batch (rq.askAll), in a conversation of `heldConversation`. */
  const answer = (c: { agentId: string; conversationId: string }, text: string) => ({
    op: 'agent.post-message',
    data: { agentId: c.agentId, conversationId: c.conversationId, text, clientMessageId: randomUUID() },
  });
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

  it('answers applied together, read ahead with their batch: a push for the visitor who left, none for the connected one', async () => {
    const away = await heldConversation();
    const here = await heldConversation();
    const instance = `gw-${randomUUID()}`;
    await presence(here.visitorId, instance, 1, 1);

    const replies = await rq.askAll('conversation', 'one-partition', [
      answer(away, 'to the one who left'),
      answer(here, 'to the one still here'),
    ]);

    expect(replies.map((r) => r?.ok)).toEqual([true, true]);
    const messageId = (replies[0] as { data: { messageId: string } }).data.messageId;
    expect((await pushesOf(away.visitorId)).map((p) => [p.messageId, p.preview])).toEqual([
      [messageId, 'to the one who left'],
    ]);
    expect(await pushesOf(here.visitorId)).toEqual([]);
  });

  it("a presence report earlier in the batch: the answer to that visitor, and one that would push, read for themselves; the others' stay read ahead", async () => {
    const away = await heldConversation();
    const arriving = await heldConversation();
    const tokenless = await heldConversation();
    await rq.call('conversation', 'visitor.clear-push-token', { visitorId: tokenless.visitorId });
    const instance = `gw-${randomUUID()}`;
    await rq.call('conversation', 'gateway.heartbeat', { gatewayInstance: instance });
    const { replies, reads: readsOfTheirOwn } = await sut.askCountingReads(
      MessagesRepository,
      'lockForAgentPost',
      'one-partition',
      [
        {
          op: 'visitor.presence',
          data: { visitorId: arriving.visitorId, gatewayInstance: instance, sockets: 1, seq: 1 },
        },
        answer(arriving, 'to the one who just came back'),
        answer(away, 'to the one still away'),
        answer(tokenless, 'to the one no push reaches'),
      ],
    );

    expect(replies.map((r) => r?.ok)).toEqual([true, true, true, true]);
    // The returning visitor's (their target changed), and the one that would push (a presence report
    // is its instance's heartbeat too); the tokenless one's read ahead holds.
    expect(readsOfTheirOwn).toBe(2);
    expect(await pushesOf(arriving.visitorId)).toEqual([]);
    expect((await pushesOf(away.visitorId)).map((p) => p.preview)).toEqual(['to the one still away']);
  });

  it("another visitor's presence report earlier in the batch brings their gateway back: no push to a visitor connected there", async () => {
    const connected = await heldConversation();
    const other = await heldConversation();
    const instance = `gw-${randomUUID()}`;
    await presence(connected.visitorId, instance, 1, 1);
    // The instance fell silent: its sockets no longer count, so an answer now would be pushed.
    await db.query(
      `UPDATE conversation.gateway_instances SET seen_at = now() - interval '1 minute' WHERE instance = $1`,
      [instance],
    );
    const replies = await rq.askAll('conversation', 'one-partition', [
      // The other visitor's report on the same instance is also its heartbeat.
      {
        op: 'visitor.presence',
        data: { visitorId: other.visitorId, gatewayInstance: instance, sockets: 1, seq: 2 },
      },
      answer(connected, 'still here?'),
    ]);

    expect(replies.map((r) => r?.ok)).toEqual([true, true]);
    expect(await pushesOf(connected.visitorId)).toEqual([]);
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

  describe('cleanup of presence rows and silent instances', () => {
    const rowsOf = async (gatewayInstance: string) =>
      (
        await db.query<{ visitor_id: string; sockets: number }>(
          'SELECT visitor_id, sockets FROM conversation.visitor_presence WHERE gateway_instance = $1 ORDER BY visitor_id',
          [gatewayInstance],
        )
      ).rows;
    const instanceKnown = async (instance: string) =>
      (await db.query('SELECT 1 FROM conversation.gateway_instances WHERE instance = $1', [instance]))
        .rowCount === 1;
    const age = (table: 'visitor_presence' | 'gateway_instances', column: string, key: string, by: string) =>
      db.query(
        `UPDATE conversation.${table} SET ${column} = now() - interval '${by}' WHERE ${
          table === 'visitor_presence' ? 'gateway_instance' : 'instance'
        } = $1`,
        [key],
      );
    const cleanup = () => sut.app.get(PresenceCleanup);

    it('rows with 0 sockets go 10 minutes after their last report, a chunk per run; a connected socket never goes', async () => {
      const { visitorId, say } = await heldConversation();
      const [idle, live] = [`gw-idle-${randomUUID()}`, `gw-live-${randomUUID()}`];
      const others = [randomUUID(), randomUUID()];
      for (const v of [visitorId, ...others]) await presence(v, idle, 0, 3);
      await presence(visitorId, live, 1, 3);
      await age('visitor_presence', 'updated_at', idle, '20 minutes');
      await age('visitor_presence', 'updated_at', live, '20 minutes');

      expect((await cleanup().cleanOnce(new Date(), { chunk: 2 })).idleRows).toBe(2);
      expect(await rowsOf(idle)).toHaveLength(1);
      await cleanup().cleanOnce(new Date(), { chunk: 2 });
      expect(await rowsOf(idle)).toEqual([]);
      expect(await rowsOf(live)).toEqual([{ visitor_id: visitorId, sockets: 1 }]);
      await say('still connected on the live instance');
      expect(await pushesOf(visitorId)).toEqual([]);

      // A recent report with 0 sockets stays (its seq still holds back a late, older one).
      await presence(visitorId, idle, 0, 4);
      await cleanup().cleanOnce(new Date());
      expect(await rowsOf(idle)).toEqual([{ visitor_id: visitorId, sockets: 0 }]);
    });

    it('an instance silent for an hour goes with its rows (a chunk per run), only once this process has run an hour; a live one stays', async () => {
      const { visitorId, say } = await heldConversation();
      const [gone, live] = [`gw-gone-${randomUUID()}`, `gw-live-${randomUUID()}`];
      const other = randomUUID();
      await presence(visitorId, gone, 1, 1);
      await presence(other, gone, 2, 1);
      await presence(visitorId, live, 1, 1);
      await age('gateway_instances', 'seen_at', gone, '2 hours');
      await age('visitor_presence', 'updated_at', gone, '2 hours');

      const justStarted = await cleanup().cleanOnce(new Date());
      expect(justStarted).toMatchObject({ goneRows: 0, instances: 0 });
      expect(await rowsOf(gone)).toHaveLength(2);

      const runningSince = new Date(0);
      expect(await cleanup().cleanOnce(new Date(), { runningSince, chunk: 1 })).toMatchObject({
        goneRows: 1,
        instances: 0,
      });
      expect(await instanceKnown(gone)).toBe(true);
      expect(await cleanup().cleanOnce(new Date(), { runningSince, chunk: 1 })).toMatchObject({
        goneRows: 1,
        instances: 1,
      });
      expect(await rowsOf(gone)).toEqual([]);
      expect(await instanceKnown(gone)).toBe(false);
      expect(await rowsOf(live)).toEqual([{ visitor_id: visitorId, sockets: 1 }]);
      expect(await instanceKnown(live)).toBe(true);
      await say('connected on the live instance');
      expect(await pushesOf(visitorId)).toEqual([]);

      // The instance comes back: it is known afresh, its new reports count.
      await presence(other, gone, 1, 2);
      expect(await instanceKnown(gone)).toBe(true);
      expect(await rowsOf(gone)).toEqual([{ visitor_id: other, sockets: 1 }]);
    });
  });
});
