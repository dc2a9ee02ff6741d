import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { envelope, ROUTING_EVENTS } from '@pupitre/shared';
import { waitFor } from '@pupitre/shared/testing';
import { ConversationHarness, startConversationHarness } from './support/conversation-harness';

/**
 * Conversation reads the gateway's requests with a consumer of their own (group
 * `conversation-requests`), and routing's events with the service's group: kafkajs fetches again only
 * once the whole of its last fetch is applied, so with one consumer a request waited for every batch
 * of routing's events fetched before it. Conversation alone; routing's events are played by the test.
 */
describe("conversation: requests are read apart from routing's events", () => {
  let sut: ConversationHarness;
  let locker: Client;

  beforeAll(async () => {
    sut = await startConversationHarness('apart');
    const { host, port, user, database } = sut.db;
    locker = new Client({ host, port, user, database });
    await locker.connect();
  });

  afterAll(async () => {
    await locker?.end();
    await sut?.stop();
  });

  const waitingOnLocks = async () => {
    await sut.db.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await sut.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return Number(rows[0].n);
  };

  it("answers a visitor's message while a batch of routing's events waits for a lock", async () => {
    const { conversationId } = await sut.openConversation('web_chat');
    const recorded = () =>
      sut.requester.eventsOf('conversation.assignment-recorded').filter((e) => e.key === conversationId);
    await locker.query('BEGIN');
    try {
      await locker.query('SELECT 1 FROM conversation.conversations WHERE id = $1 FOR UPDATE', [
        conversationId,
      ]);
      const assigned = envelope(
        'conversation.assigned',
        {
          conversationId,
          channel: 'web_chat',
          agentId: randomUUID(),
          assignedAt: new Date().toISOString(),
          deadlines: {},
        },
        new Date(),
      );
      await sut.producer.send(ROUTING_EVENTS, [{ key: conversationId, value: JSON.stringify(assigned) }]);
      await waitFor(async () => (await waitingOnLocks()) > 0, {
        what: "routing's event waiting for the lock",
      });

      // Another visitor's first message: a request, answered while that batch still waits.
      const other = await sut.openConversation('web_chat');

      expect(other.conversationId).not.toBe(conversationId);
      expect(await waitingOnLocks()).toBeGreaterThan(0);
      expect(recorded()).toHaveLength(0);
    } finally {
      await locker.query('COMMIT');
    }
    await waitFor(() => recorded().length === 1, { what: 'the assignment applied once the lock is gone' });
  }, 60_000);
});
