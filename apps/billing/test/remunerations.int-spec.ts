import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import {
  BILLING_REMUNERATIONS,
  CONVERSATION_CLOSURES,
  ConversationEventData,
  envelope,
  EventEnvelope,
  KafkaProducer,
} from '@pupitre/shared';
import { ServiceHarness, startServiceHarness, TestRequester, waitFor } from '@pupitre/shared/testing';
import { startBilling } from '../src/main';

type Closed = EventEnvelope<'conversation.closed', ConversationEventData<'conversation.closed'>>;

/**
 * Billing alone on a real broker and database, fed `conversation.closed` events on
 * `conversation.closures` as conversation sends them.
 */
describe('billing: R14, exactly one attribution per conversation', () => {
  let sut: ServiceHarness;
  let producer: KafkaProducer;
  let finance: TestRequester;
  let db: Client;

  beforeAll(async () => {
    sut = await startServiceHarness('billing', startBilling, [BILLING_REMUNERATIONS]);
    ({ producer: producer, requester: finance, db } = sut);
  });

  afterAll(() => sut?.stop());

  const closed = (
    conversationId: string,
    over: Partial<ConversationEventData<'conversation.closed'>> = {},
  ): Closed =>
    envelope(
      'conversation.closed',
      {
        conversationId,
        visitorId: randomUUID(),
        channel: 'mobile_app',
        reason: 'agent',
        closedAt: new Date().toISOString(),
        lastAgentMessage: { messageId: randomUUID(), agentId: randomUUID() },
        ...over,
      },
      new Date(),
    );
  const publish = (...events: Closed[]) =>
    producer.send(
      CONVERSATION_CLOSURES,
      events.map((e) => ({ key: e.data.conversationId, value: JSON.stringify(e) })),
    );
  const processed = async (eventId: string) =>
    (await db.query(`SELECT 1 FROM billing.inbox WHERE message_id = $1 AND consumer = 'billing'`, [eventId]))
      .rowCount === 1;
  const rowsOf = async (conversationId: string) =>
    (
      await db.query<{ event_id: string; agent_id: string; close_reason: string }>(
        'SELECT event_id, agent_id, close_reason FROM billing.remunerations WHERE conversation_id = $1',
        [conversationId],
      )
    ).rows;
  /** Whether the relay has published (and so deleted) every outbox row of this conversation. */
  const allPublished = async (conversationId: string) =>
    (await db.query('SELECT 1 FROM billing.outbox WHERE aggregate_id = $1', [conversationId])).rowCount === 0;
  const seenBy = (conversationId: string) =>
    finance.seen.filter((s) => s.topic === BILLING_REMUNERATIONS && s.key === conversationId);

  it('two different close events for one conversation yield one remuneration and one eventId', async () => {
    const conversationId = randomUUID();
    const first = closed(conversationId);
    // A second close of the same conversation (another eventId, reason, time and last agent): e.g. two
    // closes racing, or a replay after the events were rewritten. Only the first is paid.
    const second = closed(conversationId, {
      reason: 'inactivity',
      closedAt: new Date(Date.now() + 60_000).toISOString(),
      lastAgentMessage: { messageId: randomUUID(), agentId: randomUUID() },
    });
    expect(second.eventId).not.toBe(first.eventId);
    await publish(first, second);
    await waitFor(() => processed(second.eventId), { what: 'both closes consumed' });

    const rows = await rowsOf(conversationId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ agent_id: first.data.lastAgentMessage!.agentId, close_reason: 'agent' });
    await waitFor(() => allPublished(conversationId), { what: 'the remuneration published' });
    await waitFor(() => seenBy(conversationId).length > 0, { what: 'finance receives the remuneration' });
    expect(seenBy(conversationId).map((s) => (s.value as { eventId?: string }).eventId)).toEqual([
      rows[0].event_id,
    ]);
  });

  it('a redelivery of the same close yields nothing new', async () => {
    const conversationId = randomUUID();
    const close = closed(conversationId);
    await publish(close);
    const [row] = await waitFor(async () => {
      const r = await rowsOf(conversationId);
      return r.length > 0 && r;
    });
    // The same event again, then a marker behind it on the same key (so the same partition, in order):
    // once the marker is consumed, the redelivery has been too.
    const marker = closed(conversationId, { lastAgentMessage: null });
    await publish(close, marker);
    await waitFor(() => processed(marker.eventId), { what: 'the redelivery and the marker consumed' });

    expect(await rowsOf(conversationId)).toEqual([row]);
    // Anything the redelivery emitted went out before its outbox row left; it would reach finance on
    // this conversation's key in order, beside the first.
    await waitFor(() => allPublished(conversationId), { what: 'the outbox published' });
    await waitFor(() => seenBy(conversationId).length > 0, { what: 'finance receives the remuneration' });
    expect(seenBy(conversationId).map((s) => (s.value as { eventId?: string }).eventId)).toEqual([
      row.event_id,
    ]);
  });

  it('a rebuild (tables emptied, the closes replayed) gives each conversation the eventId it had', async () => {
    const conversationId = randomUUID();
    const close = closed(conversationId);
    await publish(close);
    const [before] = await waitFor(async () => {
      const r = await rowsOf(conversationId);
      return r.length > 0 && r;
    });

    // What an operator does to rebuild billing from the events: empty its tables, replay the topic.
    await db.query('TRUNCATE billing.remunerations, billing.inbox');
    const replayed = { ...close }; // the same record, read again from conversation.closures
    await publish(replayed);
    const [after] = await waitFor(async () => {
      const r = await rowsOf(conversationId);
      return r.length > 0 && r;
    });
    expect(after.event_id).toBe(before.event_id);
  });
});
